import { Fragment, type ReactNode } from 'react';
import { parsePlan, type Inline, type PlanBlock } from './plan-markdown.js';

function InlineText({ content }: { content: Inline[] }): ReactNode {
  return content.map((part, index) => {
    switch (part.kind) {
      case 'text':
        return <Fragment key={index}>{part.text}</Fragment>;
      case 'break':
        return <br key={index} />;
      case 'strong':
        return (
          <strong key={index}>
            <InlineText content={part.children} />
          </strong>
        );
      case 'em':
        return (
          <em key={index}>
            <InlineText content={part.children} />
          </em>
        );
      case 'del':
        return (
          <del key={index}>
            <InlineText content={part.children} />
          </del>
        );
    }
  });
}

/** Headings start below the section the plan sits in (an h2): `##` becomes h3, and so on. */
function Heading({ level, children }: { level: number; children: ReactNode }) {
  const Tag = (['h3', 'h4', 'h5', 'h6'] as const)[Math.min(level - 2, 3)] ?? 'h6';
  return <Tag>{children}</Tag>;
}

function Block({ block }: { block: PlanBlock }) {
  switch (block.kind) {
    case 'heading':
      return (
        <Heading level={block.level}>
          <InlineText content={block.content} />
        </Heading>
      );
    case 'paragraph':
      return (
        <p>
          <InlineText content={block.content} />
        </p>
      );
    case 'list':
      return (
        <ul className={block.items.some((item) => item.checked !== null) ? 'plan-checklist' : undefined}>
          {block.items.map((item, index) => (
            <li key={index}>
              {item.checked !== null && <span aria-hidden="true">{item.checked ? '☑ ' : '☐ '}</span>}
              {item.checked !== null && <span className="visually-hidden">{item.checked ? 'done: ' : 'open: '}</span>}
              <InlineText content={item.content} />
            </li>
          ))}
        </ul>
      );
    case 'table':
      return (
        <div className="grid-scroll">
          <table className="list">
            <thead>
              <tr>
                {block.header.map((cell, index) => (
                  <th key={index} scope="col">
                    <InlineText content={cell} />
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {block.rows.map((row, rowIndex) => (
                <tr key={rowIndex}>
                  {row.map((cell, index) => (
                    <td key={index}>
                      <InlineText content={cell} />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      );
  }
}

/** The plan document as readable text. Its title (`#`) is left out: the page's heading says it already. */
export function PlanView({ markdown }: { markdown: string }) {
  const blocks = parsePlan(markdown).filter((block) => block.kind !== 'heading' || block.level > 1);
  return (
    <div className="plan-document">
      {blocks.map((block, index) => (
        <Block key={index} block={block} />
      ))}
    </div>
  );
}
