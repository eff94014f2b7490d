// Text from the image (labels, env names, logs, file names, probe output) is untrusted: it must
// not become markup in the job summary or PR comment, escape sequences on a terminal, or
// workflow commands (`::set-output`, `::add-mask`…) in the Actions log.

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML[char]);
}

/**
 * Safe inside a Markdown table cell or paragraph: HTML escaped, Markdown punctuation turned into
 * character references (no links, images, emphasis or code spans can be formed), newlines as
 * <br>. `maxLength` bounds what one value can add to a summary.
 */
export function escapeMarkdown(text: string, maxLength = 2000): string {
  const clipped = text.length > maxLength ? `${text.slice(0, maxLength)}…` : text;
  // One pass: a second one would escape the `#` of the references the first wrote (`&&#35;39;`).
  return stripControl(clipped)
    .replace(/[&<>"'|[\]()*_`!#~\\{}+=:@-]/g, (char) => HTML[char] ?? `&#${char.charCodeAt(0)};`)
    .replace(/\r?\n/g, '<br>');
}

/** Removes terminal control sequences and other control characters (keeps \n and \t). */
export function stripControl(text: string): string {
  /* eslint-disable no-control-regex -- finding control characters is the point: they are removed */
  return text
    .replace(/\u001b\[[0-?]*[ -/]*[@-~]/g, '')
    .replace(/\u001b\][^\u0007\u001b]*(\u0007|\u001b\\)/g, '')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '?');
  /* eslint-enable no-control-regex */
}

/**
 * For the Actions log: a line that starts with `::` (after blanks) would be read by the runner as
 * a workflow command. A zero-width joiner between the colons keeps it readable and inert.
 */
export function neutraliseCommands(text: string): string {
  return stripControl(text).replace(/^(\s*):(?=:)/gm, '$1:\u200d');
}
