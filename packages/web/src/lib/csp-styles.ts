/**
 * The server's Content-Security-Policy only allows styles from files
 * (`style-src 'self'`), so the browser ignores `<style>` elements that Monaco
 * and xterm create at run time for their themes and cell sizes. Constructable
 * stylesheets are not inline markup and are not subject to that rule, so the
 * text of every such element is mirrored into one, kept in step as it changes,
 * and dropped when the element goes away.
 */
export function mirrorRuntimeStyles(root: Document = document): () => void {
  if (typeof CSSStyleSheet === 'undefined' || !('adoptedStyleSheets' in root))
    return () => undefined;
  const mirrors = new Map<HTMLStyleElement, CSSStyleSheet>();

  const sync = (element: HTMLStyleElement) => {
    let sheet = mirrors.get(element);
    if (!sheet) {
      sheet = new CSSStyleSheet();
      mirrors.set(element, sheet);
      root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    }
    try {
      sheet.replaceSync(element.textContent ?? '');
    } catch {
      // Text that is not CSS yet (half-written): the next mutation fixes it.
    }
  };
  const drop = (element: HTMLStyleElement) => {
    const sheet = mirrors.get(element);
    if (!sheet) return;
    mirrors.delete(element);
    root.adoptedStyleSheets = root.adoptedStyleSheets.filter((s) => s !== sheet);
  };
  const styleOf = (node: Node | null): HTMLStyleElement | null => {
    for (let n = node; n; n = n.parentNode) if (n instanceof HTMLStyleElement) return n;
    return null;
  };
  const visit = (node: Node, fn: (element: HTMLStyleElement) => void) => {
    if (node instanceof HTMLStyleElement) fn(node);
    else if (node instanceof Element) node.querySelectorAll('style').forEach(fn);
  };

  const observer = new MutationObserver((records) => {
    for (const record of records) {
      const owner = styleOf(record.target);
      if (owner) {
        if (owner.isConnected) sync(owner);
        continue;
      }
      record.addedNodes.forEach((node) => visit(node, sync));
      record.removedNodes.forEach((node) => visit(node, drop));
    }
  });
  observer.observe(root, { childList: true, subtree: true, characterData: true });
  return () => observer.disconnect();
}
