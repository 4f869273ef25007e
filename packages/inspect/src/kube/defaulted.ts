// Loaders fill in the namespace of a manifest that names none, as kubectl
// would, so references between its objects resolve. They record that here
// (objects stay plain JSON) for the rule that reports the missing namespace.
const defaulted = new WeakSet<object>();

/** Records that the loader gave `object` its namespace. */
export function markNamespaceDefaulted(object: object): void {
  defaulted.add(object);
}

/** Whether the manifest of `object` named no namespace. */
export function namespaceWasDefaulted(object: object): boolean {
  return defaulted.has(object);
}
