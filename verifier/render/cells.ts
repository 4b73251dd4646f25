// How one result cell reads as text, the same in tables and CSV.
export function cellText(cell: unknown): string {
  if (cell === null || cell === undefined) return '';
  if (Array.isArray(cell)) return cell.map(cellText).join(', ');
  if (typeof cell === 'object') return JSON.stringify(cell);
  return String(cell);
}
