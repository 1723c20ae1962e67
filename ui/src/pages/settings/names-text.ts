/** A comma-separated list as typed (`ops, release-team`) → its names, trimmed, without blanks or repeats. */
export function namesFromText(text: string): string[] {
  return [...new Set(text.split(',').map((name) => name.trim()).filter((name) => name !== ''))];
}
