/**
 * File paths inside a container (subPath, volume item paths), checked as core validation does:
 * they stay below the directory they are relative to.
 */
import { type FieldError, invalid } from "../validation.ts";

/** validatePathNoBacksteps: no ".." element anywhere (one error is enough, even for ../../..). */
export function pathNoBacksteps(path: string, field: string): FieldError[] {
  return path.split("/").includes("..") ? [invalid(field, path, "must not contain '..'")] : [];
}

/** validateLocalDescendingPath: relative, and no "..". */
export function localDescendingPath(path: string, field: string): FieldError[] {
  const errs = path.startsWith("/") ? [invalid(field, path, "must be a relative path")] : [];
  return [...errs, ...pathNoBacksteps(path, field)];
}

/** ValidateLocalNonReservedPath: also no leading ".." (the kubelet keeps "..data" and friends there). */
export function localNonReservedPath(path: string, field: string): FieldError[] {
  const errs = localDescendingPath(path, field);
  if (path.startsWith("..") && !path.startsWith("../"))
    errs.push(invalid(field, path, "must not start with '..'"));
  return errs;
}
