/**
 * The tinykube docs site: docs only (served at "/"), sidebar from the table of contents, code
 * embedded from core/ at build time, and every broken link, anchor or embed fails the build.
 *
 * Not enabled on purpose: `future.v4` / `@docusaurus/faster`. Rspack's persistent cache served
 * stale embeds; webpack's cache is kept correct by embed-dependencies-loader.js.
 */
import type * as Preset from "@docusaurus/preset-classic";
import type { Config } from "@docusaurus/types";
import { themes as prismThemes } from "prism-react-renderer";
import { repoRoot } from "../chapters/toc.ts";
import remarkEmbedCode, { type RemarkEmbedCodeOptions } from "./src/plugins/remark-embed-code.ts";
import tinykubePlugin from "./src/plugins/tinykube.ts";

const config: Config = {
  title: "tinykube",
  tagline: "Kubernetes built from scratch in TypeScript, chapter by chapter",
  // Only used in generated metadata; nothing is fetched from it.
  url: "http://localhost:3000",
  baseUrl: "/",
  onBrokenLinks: "throw",
  onBrokenAnchors: "throw",
  onDuplicateRoutes: "throw",
  markdown: {
    mermaid: true,
    hooks: { onBrokenMarkdownLinks: "throw", onBrokenMarkdownImages: "throw" },
  },
  themes: ["@docusaurus/theme-mermaid"],
  i18n: { defaultLocale: "en", locales: ["en"] },

  presets: [
    [
      "classic",
      {
        docs: {
          path: "docs",
          routeBasePath: "/",
          sidebarPath: "./sidebars.ts",
          // Doc ids keep their number prefix ("chapters/01-store"), as chapters.json names them.
          numberPrefixParser: false,
          beforeDefaultRemarkPlugins: [
            [remarkEmbedCode, { root: repoRoot } satisfies RemarkEmbedCodeOptions],
          ],
        },
        blog: false,
        pages: false,
        sitemap: false,
      } satisfies Preset.Options,
    ],
  ],

  plugins: [tinykubePlugin],

  themeConfig: {
    navbar: {
      title: "tinykube",
      items: [
        { type: "doc", docId: "intro", label: "Introduction", position: "left" },
        { type: "doc", docId: "labs", label: "Labs", position: "left" },
        {
          type: "doc",
          docId: "interview-questions",
          label: "Interview questions",
          position: "left",
        },
      ],
    },
    footer: {
      style: "dark",
      copyright: "tinykube: a Kubernetes you can read in an afternoon, that real kubectl talks to.",
    },
    colorMode: { respectPrefersColorScheme: true },
    prism: {
      theme: prismThemes.github,
      darkTheme: prismThemes.dracula,
      additionalLanguages: ["bash", "json"],
    },
    mermaid: { theme: { light: "neutral", dark: "dark" } },
  } satisfies Preset.ThemeConfig,
};

export default config;
