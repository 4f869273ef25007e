/**
 * The server's Content-Security-Policy only allows styles from files
 * (`style-src 'self'`). Monaco and xterm style themselves at run time in two
 * ways that policy blocks: `<style>` elements they create, and `style="…"`
 * attributes inside HTML they render as strings (Monaco's lines). Styles set
 * through the CSSOM are not subject to the policy, so this re-applies both:
 * the text of each runtime `<style>` element goes into a constructable
 * stylesheet kept in step with it, and each parsed `style` attribute is set
 * again through `element.style`.
 */
export function mirrorRuntimeStyles(root: Document = document): () => void {
  if (typeof CSSStyleSheet === 'undefined' || !('adoptedStyleSheets' in root))
    return () => undefined;
  const sheets = new Map<HTMLStyleElement, CSSStyleSheet>();
  const restyled = new WeakMap<Element, string>();

  const syncSheet = (element: HTMLStyleElement) => {
    let sheet = sheets.get(element);
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheets.set(element, sheet);
      root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    }
    try {
      sheet.replaceSync(element.textContent ?? '');
    } catch {
      // Text that is not CSS yet (half-written): the next mutation fixes it.
    }
  };
  const dropSheet = (element: HTMLStyleElement) => {
    const sheet = sheets.get(element);
    if (!sheet) return;
    sheets.delete(element);
    root.adoptedStyleSheets = root.adoptedStyleSheets.filter((s) => s !== sheet);
  };
  const restyle = (element: Element) => {
    const text = element.getAttribute('style');
    if (
      !text ||
      restyled.get(element) === text ||
      !(element instanceof HTMLElement || element instanceof SVGElement)
    )
      return;
    element.style.cssText = text;
    // cssText rewrites the attribute in normal form; remember that, so the
    // mutation it causes is recognised and not applied again.
    restyled.set(element, element.getAttribute('style') ?? text);
  };
  const styleOf = (node: Node | null): HTMLStyleElement | null => {
    for (let n = node; n; n = n.parentNode) if (n instanceof HTMLStyleElement) return n;
    return null;
  };
  const added = (node: Node) => {
    if (node instanceof HTMLStyleElement) return syncSheet(node);
    if (!(node instanceof Element)) return;
    if (node.hasAttribute('style')) restyle(node);
    node.querySelectorAll('[style]').forEach(restyle);
    node.querySelectorAll('style').forEach(syncSheet);
  };
  const removed = (node: Node) => {
    if (node instanceof HTMLStyleElement) dropSheet(node);
    else if (node instanceof Element) node.querySelectorAll('style').forEach(dropSheet);
  };

  const observer = new MutationObserver((records) => {
    for (const record of records) {
      if (record.type === 'attributes') {
        restyle(record.target as Element);
        continue;
      }
      const owner = styleOf(record.target);
      if (owner) {
        if (owner.isConnected) syncSheet(owner);
        continue;
      }
      record.addedNodes.forEach(added);
      record.removedNodes.forEach(removed);
    }
  });
  observer.observe(root, {
    childList: true,
    subtree: true,
    characterData: true,
    attributes: true,
    attributeFilter: ['style'],
  });
  return () => observer.disconnect();
}
