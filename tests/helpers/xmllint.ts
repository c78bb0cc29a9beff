import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// xmllint (libxml2-utils) as the judge of well-formed XML: feeds and badges are read by
// programs that drop a document that does not parse. A missing xmllint fails the test
// that needs it; it never skips.

const XMLLINT = process.env.XMLLINT_PATH ?? '/usr/bin/xmllint';

function xmllint(args: string[]): string {
  if (!existsSync(XMLLINT)) throw new Error(`xmllint is missing at ${XMLLINT}: apt-get install -y libxml2-utils`);
  return execFileSync(XMLLINT, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Writes documents to a temporary folder, checks them with xmllint and queries them. */
export function xmlFiles() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'herald-xml-'));
  let count = 0;
  return {
    /** Throws (with xmllint's message) unless the document is well-formed; returns its file. */
    expectWellFormed(xml: string): string {
      const file = path.join(dir, `doc-${count++}.xml`);
      writeFileSync(file, xml, 'utf8');
      xmllint(['--noout', file]);
      return file;
    },
    xpath(file: string, expression: string): string {
      return xmllint(['--xpath', expression, file]).replace(/\n$/, ''); // xmllint ends the result with a newline
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
