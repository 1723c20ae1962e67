/** One line per failed (or undecidable) rule. */
export function ReasonList({ reasons }: { reasons: string[] }) {
  if (reasons.length === 0) return <span className="muted">—</span>;
  return (
    <ul className="policy-reasons">
      {reasons.map((reason, index) => (
        <li key={index}>{reason}</li>
      ))}
    </ul>
  );
}
