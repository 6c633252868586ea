/** Every lab, one per chapter, from the table of contents. */
import Link from "@docusaurus/Link";
import { chapterLabel } from "../chapter-label.ts";
import { useChapters, useDocPath } from "./chapters.ts";

export default function LabList() {
  const docPath = useDocPath();
  return (
    <table>
      <thead>
        <tr>
          <th>Lab</th>
          <th>Chapter</th>
          <th>Your file</th>
          <th>Check it</th>
        </tr>
      </thead>
      <tbody>
        {useChapters().map((c) => (
          <tr key={c.lab}>
            <td>
              <code>{c.lab}</code>
            </td>
            <td>
              <Link to={docPath(c.docs)}>{chapterLabel(c)}</Link>
            </td>
            <td>
              <code>labs/work/{c.lab}/</code>
            </td>
            <td>
              <code>npm run lab -- check {c.number}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
