import type { Nodes, Root } from 'mdast';
import Markdown, { type Components } from 'react-markdown';
import remarkGfm from 'remark-gfm';

/**
 * The server keeps a multi-line value on one Markdown line (a table cell, a list item) by joining
 * its lines with `<br>`: those, and only those, become line breaks. Other HTML stays text.
 */
function brAsBreaks() {
  const visit = (node: Nodes): void => {
    if (!('children' in node)) return;
    node.children = node.children.map((child) => (child.type === 'html' && /^<br\s*\/?>$/i.test(child.value) ? { type: 'break' } : child)) as typeof node.children;
    node.children.forEach(visit);
  };
  return (tree: Root) => visit(tree);
}

/**
 * The plan document (GET /changes/:id/plan.md) as readable text, by react-markdown: elements,
 * never raw HTML (tags in the text stay text). Its title (`#`) is left out, since the page's
 * heading says it already; sections start below the plan's own h2.
 */
const COMPONENTS: Components = {
  h1: () => null,
  h2: ({ children }) => <h3>{children}</h3>,
  h3: ({ children }) => <h4>{children}</h4>,
  h4: ({ children }) => <h5>{children}</h5>,
  table: ({ children }) => (
    <div className="grid-scroll">
      <table className="list">{children}</table>
    </div>
  ),
  th: ({ children }) => <th scope="col">{children}</th>,
  // A checklist's box, said in words too (a disabled checkbox without a label helps nobody).
  input: ({ checked }) => (
    <>
      <span aria-hidden="true">{checked ? '☑ ' : '☐ '}</span>
      <span className="visually-hidden">{checked ? 'done: ' : 'open: '}</span>
    </>
  ),
};

export function PlanView({ markdown }: { markdown: string }) {
  return (
    <div className="plan-document">
      <Markdown remarkPlugins={[remarkGfm, brAsBreaks]} components={COMPONENTS}>
        {markdown}
      </Markdown>
    </div>
  );
}
