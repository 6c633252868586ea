/**
 * Image references as Kubernetes normalises them: a name without a tag means ":latest"
 * ("nginx" → "nginx:latest"); a registry's port is not a tag ("registry:5000/app" →
 * "registry:5000/app:latest"); a tagged or digested name is left alone. The scheduler's
 * ImageLocality and the container runtime both look images up by this form.
 */
export function normalizedImageName(name: string): string {
  return name.lastIndexOf(":") <= name.lastIndexOf("/") ? `${name}:latest` : name;
}
