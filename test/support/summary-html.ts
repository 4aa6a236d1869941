/**
 * A job summary as GitHub shows it: GitHub-flavoured Markdown with HTML allowed, rendered by
 * micromark with its GFM extension (CommonMark to the letter, as GitHub's cmark-gfm is: a line
 * right after an HTML block with no blank line between stays in that block, literally), and
 * what a reader would see wrong in it.
 */
import type { ChildNode, Element, Text } from 'domhandler';
import { DomUtils, ElementType, parseDocument } from 'htmlparser2';
import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';

const isText = (node: ChildNode): node is Text => node.type === ElementType.Text;
const isTag = (node: ChildNode): node is Element => node.type === ElementType.Tag;

export function renderSummary(markdown: string): string {
  return micromark(markdown, { allowDangerousHtml: true, extensions: [gfm()], htmlExtensions: [gfmHtml()] });
}

/** The text a reader sees, outside code (where literal characters are meant). */
function proseText(nodes: ChildNode[]): string[] {
  const out: string[] = [];
  const walk = (ns: ChildNode[]) => {
    for (const node of ns) {
      if (isText(node)) out.push(node.data);
      else if (isTag(node) && node.name !== 'code' && node.name !== 'pre') walk(node.children);
    }
  };
  walk(nodes);
  return out;
}

/**
 * What is wrong with a summary once rendered: Markdown that shows literally (`**`, backticks, a
 * pipe table that did not become a table), tables that are not tables, HTML that shows as text,
 * and paths of the runner's own folders (`roots`), which mean nothing to a reader.
 */
export function summaryProblems(markdown: string, roots: string[] = []): string[] {
  const html = renderSummary(markdown);
  const doc = parseDocument(html, { decodeEntities: true });
  const problems: string[] = [];
  const text = proseText(doc.children).join('');
  for (const [mark, what] of [
    ['**', 'literal ** (Markdown inside an HTML block, or unbalanced)'],
    ['`', 'a literal backtick'],
    ['|', 'a literal | (a table that did not render)'],
    ['<', 'HTML shown as text'],
  ] as const) {
    const at = text.indexOf(mark);
    if (at >= 0) problems.push(`${what}: …${text.slice(Math.max(0, at - 60), at + 60).replace(/\n/g, '⏎')}…`);
  }
  for (const table of DomUtils.getElementsByTagName('table', doc.children)) {
    const rows = DomUtils.getElementsByTagName('tr', [table]);
    const cells = rows.map((r) => DomUtils.getChildren(r).filter((c) => isTag(c) && (c.name === 'td' || c.name === 'th')).length);
    if (rows.length < 2 || cells.some((c) => c !== cells[0]) || cells[0] === 0) problems.push(`a table that is not one: ${rows.length} rows of ${cells.join('/')} cells`);
    const table_text = DomUtils.textContent(table);
    if (/\*\*|`/.test(table_text)) problems.push(`Markdown inside a table cell: ${table_text.slice(0, 120)}`);
  }
  const all = DomUtils.textContent(doc.children);
  for (const root of roots) if (root && all.includes(root)) problems.push(`a path of the runner: ${root} in …${all.slice(Math.max(0, all.indexOf(root) - 40), all.indexOf(root) + 80)}…`);
  // A duration under a second reads "in under a second", never "in 0s".
  if (/\bin 0s\b/.test(all)) problems.push(`"in 0s": …${all.slice(Math.max(0, all.indexOf('in 0s') - 60), all.indexOf('in 0s') + 10)}…`);
  if (/\/(?:home\/runner|tmp)\/\S+/.test(all)) problems.push(`an absolute path: ${/\/(?:home\/runner|tmp)\/\S+/.exec(all)![0]}`);
  return problems;
}

/** The rendered text, blocks on lines of their own: for assertions on what a reader reads. */
export function summaryText(markdown: string): string {
  const doc = parseDocument(renderSummary(markdown).replace(/<\/(p|li|h\d|tr|pre|table)>/g, '$&\n'), { decodeEntities: true });
  return DomUtils.textContent(doc.children).replace(/[ \t]+/g, ' ');
}
