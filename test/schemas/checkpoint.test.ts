import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { readFileSync } from 'node:fs';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  CheckpointError,
  MAX_NOTE_BYTES,
  MAX_NOTE_SIGNATURES,
  ed25519KeyId,
  ed25519NoteSigner,
  ed25519NoteVerifier,
  formatCheckpoint,
  openCheckpoint,
  openNote,
  parseCheckpoint,
  parseVerifierKey,
  signCheckpoint,
  signNote,
  verifierKey,
  type LogCheckpoint,
} from '../../schemas/checkpoint.js';
import { emptyRoot, leafHash } from '../../schemas/merkle.js';

const RUNS = { numRuns: 1000 };

function expectCode(code: CheckpointError['code'], body: () => unknown): void {
  let thrown: unknown;
  try {
    body();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `expected a CheckpointError ${code}`).toBeInstanceOf(CheckpointError);
  expect((thrown as CheckpointError).code, (thrown as Error).message).toBe(code);
}

/** An Ed25519 key the way proofline keeps one (assembler/keygen.ts): PKCS#8 PEM, read back with node:crypto. */
function projectKey(): { privateKey: KeyObject; publicKey: KeyObject } {
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const key = createPrivateKey(pem);
  return { privateKey: key, publicKey: createPublicKey(key) };
}

// golang.org/x/mod/sumdb/note's documented example: a signer key (Ed25519 seed), its verifier key, a text
// and the exact signed note it produces (Ed25519 is deterministic), plus a second signature by a key we
// do not have.
const NEUMANN_SEED = Buffer.from('AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz', 'base64').subarray(1);
const NEUMANN_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const NEUMANN_TEXT =
  "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const NEUMANN_SIG =
  '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const ENOCH_SIG =
  '— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';
const neumannKey = createPrivateKey({
  key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), NEUMANN_SEED]),
  format: 'der',
  type: 'pkcs8',
});

describe('signed notes against golang.org/x/mod/sumdb/note', () => {
  it('derives the same key ID and verifier key from the same Ed25519 key', () => {
    expect(verifierKey('PeterNeumann', createPublicKey(neumannKey))).toBe(NEUMANN_VKEY);
    expect(ed25519KeyId('PeterNeumann', neumannKey)).toBe(0xc74f20a3);
    expect(parseVerifierKey(NEUMANN_VKEY).keyId).toBe(0xc74f20a3);
  });

  it('signs the text into the very note Go prints', () => {
    const signed = signNote(NEUMANN_TEXT, [ed25519NoteSigner('PeterNeumann', neumannKey)]);
    expect(signed).toBe(`${NEUMANN_TEXT}\n${NEUMANN_SIG}`);
  });

  it("opens Go's note, and its doubly-signed form, setting aside the key it does not know", () => {
    const known = [parseVerifierKey(NEUMANN_VKEY)];
    const single = openNote(`${NEUMANN_TEXT}\n${NEUMANN_SIG}`, known);
    expect(single.text).toBe(NEUMANN_TEXT);
    expect(single.verified.map((s) => s.name)).toEqual(['PeterNeumann']);
    const double = openNote(Buffer.from(`${NEUMANN_TEXT}\n${NEUMANN_SIG}${ENOCH_SIG}`), known);
    expect(double.verified).toHaveLength(1);
    expect(double.unverified.map((s) => s.name)).toEqual(['EnochRoot']);
    expectCode('NOTE_UNVERIFIED', () => openNote(`${NEUMANN_TEXT}\n${ENOCH_SIG}`, known));
  });

  it('refuses the same signature in the URL-safe base64 alphabet, which node would decode alike', () => {
    const urlSafe = NEUMANN_SIG.replace(/\//g, '_').replace(/\+/g, '-');
    expect(urlSafe).not.toBe(NEUMANN_SIG);
    expectCode('NOTE_MALFORMED', () =>
      openNote(`${NEUMANN_TEXT}\n${urlSafe}`, [parseVerifierKey(NEUMANN_VKEY)]),
    );
  });
});

describe('the C2SP examples', () => {
  // c2sp.org/signed-note: a text with an empty line of its own; c2sp.org/tlog-checkpoint: a checkpoint.
  const POEM =
    'Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n\n' +
    '— quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n';
  const SOFA =
    'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n' +
    '— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n';

  it('parses them (their keys are not published, so they stay unverified)', () => {
    const stranger = ed25519NoteVerifier('example.com/behind-the-sofa', projectKey().publicKey);
    expectCode('NOTE_UNVERIFIED', () => openNote(POEM, [stranger]));
    expectCode('NOTE_UNVERIFIED', () => openNote(SOFA, [stranger]));
    const checkpoint = parseCheckpoint(SOFA.slice(0, SOFA.indexOf('\n\n') + 1));
    expect(checkpoint).toMatchObject({
      origin: 'example.com/behind-the-sofa',
      size: 20852163,
      extensions: [],
    });
    expect(checkpoint.rootHash.toString('base64')).toBe('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=');
  });

  it('keeps a text that has empty lines whole: only the last blank line separates', () => {
    const { privateKey, publicKey } = projectKey();
    const text = 'first\n\nsecond\n';
    const note = signNote(text, [ed25519NoteSigner('a.example/k', privateKey)]);
    expect(openNote(note, [ed25519NoteVerifier('a.example/k', publicKey)]).text).toBe(text);
  });

  it('reads a go.sum database tree note body, whose origin has spaces (a SHOULD, not a MUST)', () => {
    // tlog's TestParseTree: RecordHash("hello world") at size 123456789012.
    const body = 'go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n';
    expect(parseCheckpoint(body)).toEqual({
      origin: 'go.sum database tree',
      size: 123456789012,
      rootHash: leafHash(Buffer.from('hello world')),
      extensions: [],
    });
    expectCode('CHECKPOINT_MALFORMED', () =>
      parseCheckpoint('go.sum database tree\n0xabcdef\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n'),
    );
    expectCode('CHECKPOINT_MALFORMED', () =>
      parseCheckpoint(
        'go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBTOOBIG=\n',
      ),
    );
  });
});

describe('proofline checkpoints', () => {
  const origin = 'proofline.dev/tlog/3f1c0d2e9a8b7c6d5e4f30211a2b3c4d';
  const checkpoint: LogCheckpoint = { origin, size: 42, rootHash: randomBytes(32), extensions: [] };

  it('sign and open with the key as proofline keeps it, by verifier key or by key object', () => {
    const { privateKey, publicKey } = projectKey();
    const signed = signCheckpoint(checkpoint, [ed25519NoteSigner(origin, privateKey)]);
    expect(
      signed.startsWith(`${origin}\n42\n${checkpoint.rootHash.toString('base64')}\n\n— ${origin} `),
    ).toBe(true);
    for (const verifier of [
      parseVerifierKey(verifierKey(origin, publicKey)),
      ed25519NoteVerifier(origin, publicKey),
    ]) {
      expect(openCheckpoint(signed, [verifier], origin).checkpoint).toEqual(checkpoint);
    }
  });

  it('refuses a checkpoint of another log, whoever signed it', () => {
    const { privateKey, publicKey } = projectKey();
    const other = signCheckpoint({ ...checkpoint, origin: 'proofline.dev/tlog/other' }, [
      ed25519NoteSigner(origin, privateKey),
    ]);
    expectCode('CHECKPOINT_WRONG_ORIGIN', () =>
      openCheckpoint(other, [ed25519NoteVerifier(origin, publicKey)], origin),
    );
  });

  it('survives a key rotation and witness cosignatures: unknown signatures are ignored, not failed', () => {
    const old = projectKey();
    const rotated = projectKey();
    const witness = projectKey();
    const signed = signCheckpoint(checkpoint, [
      ed25519NoteSigner(origin, old.privateKey),
      ed25519NoteSigner(origin, rotated.privateKey),
      ed25519NoteSigner('witness.example/w1', witness.privateKey),
    ]);
    const opened = openCheckpoint(signed, [ed25519NoteVerifier(origin, rotated.publicKey)], origin);
    expect(opened.note.verified).toHaveLength(1);
    expect(opened.note.unverified.map((s) => s.name)).toEqual([origin, 'witness.example/w1']);
  });

  it('rejects the whole note when any signature by a known key fails, even beside a good one', () => {
    const { privateKey, publicKey } = projectKey();
    const signer = ed25519NoteSigner(origin, privateKey);
    const signed = signCheckpoint(checkpoint, [signer]);
    const forged = signNote(formatCheckpoint(checkpoint), [{ ...signer, sign: () => randomBytes(64) }]);
    const forgedLine = forged.slice(forged.lastIndexOf('\n\n') + 2);
    const known = [ed25519NoteVerifier(origin, publicKey)];
    expectCode('NOTE_BAD_SIGNATURE', () => openNote(signed + forgedLine, known));
    expectCode('NOTE_BAD_SIGNATURE', () => openNote(signed.replace('\n42\n', '\n43\n'), known));
  });

  it('matches a signature to a key by name and key ID together', () => {
    const { privateKey, publicKey } = projectKey();
    const signed = signCheckpoint(checkpoint, [ed25519NoteSigner(origin, privateKey)]);
    // Same key, other name: another key ID, so the signature is someone else's (unverified).
    expectCode('NOTE_UNVERIFIED', () =>
      openNote(signed, [ed25519NoteVerifier('proofline.dev/tlog/x', publicKey)]),
    );
    // Same name, other key: another key ID.
    expectCode('NOTE_UNVERIFIED', () =>
      openNote(signed, [ed25519NoteVerifier(origin, projectKey().publicKey)]),
    );
    // A verifier claiming this name and ID with another key is consulted, and the signature fails under it.
    const impostor = {
      ...ed25519NoteVerifier(origin, projectKey().publicKey),
      keyId: ed25519KeyId(origin, publicKey),
    };
    expectCode('NOTE_BAD_SIGNATURE', () => openNote(signed, [impostor]));
    expectCode('NOTE_BAD_KEY', () =>
      openNote(signed, [ed25519NoteVerifier(origin, publicKey), ed25519NoteVerifier(origin, publicKey)]),
    );
  });

  it('formats only checkpoints a reader can read back', () => {
    const ok = { ...checkpoint };
    expect(parseCheckpoint(formatCheckpoint({ ...ok, size: 0, rootHash: emptyRoot() })).size).toBe(0);
    for (const bad of [
      { ...ok, origin: '' },
      { ...ok, origin: 'has space' },
      { ...ok, origin: 'has+plus' },
      { ...ok, origin: 'line\nbreak' },
      { ...ok, size: -1 },
      { ...ok, size: 1.5 },
      { ...ok, size: 2 ** 53 },
      { ...ok, rootHash: randomBytes(31) },
      { ...ok, extensions: [''] },
      { ...ok, extensions: ['two\nlines'] },
      { ...ok, extensions: ['tab\there'] },
    ]) {
      expectCode('CHECKPOINT_MALFORMED', () => formatCheckpoint(bad));
    }
  });

  it.each([
    ['no final newline', 'o\n1\nROOT='],
    ['two lines', 'o\n1\n'],
    ['an empty origin', '\n1\nROOT\n'],
    ['an empty extension line', 'o\n1\nROOT\n\n'],
    ['a leading zero', 'o\n01\nROOT\n'],
    ['a sign', 'o\n+1\nROOT\n'],
    ['a negative size', 'o\n-1\nROOT\n'],
    ['a size with a space', 'o\n 1\nROOT\n'],
    ['a size past 2^53', 'o\n9007199254740993\nROOT\n'],
    ['a 31-byte root', `o\n1\n${randomBytes(31).toString('base64')}\n`],
    ['an unpadded root', `o\n1\n${randomBytes(32).toString('base64').replace('=', '')}\n`],
    ['a URL-alphabet root', `o\n1\n${Buffer.alloc(32, 0xfb).toString('base64url')}=\n`],
    ['a carriage return', 'o\r\n1\nROOT\n'],
  ])('parsing rejects %s', (_, text) => {
    expectCode('CHECKPOINT_MALFORMED', () =>
      parseCheckpoint(text.replace('ROOT', randomBytes(32).toString('base64'))),
    );
  });

  it('the example in schemas/checkpoint.md opens with the verifier key printed beside it', () => {
    const doc = readFileSync(new URL('../../schemas/checkpoint.md', import.meta.url), 'utf8');
    const note = /```\n(proofline\.dev\/tlog\/[^]*?\n)```/.exec(doc)![1]!;
    const vkey = /`(proofline\.dev\/tlog\/[0-9a-f]+\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+)`/.exec(doc)![1]!;
    const { checkpoint } = openCheckpoint(note, [parseVerifierKey(vkey)], vkey.split('+')[0]!);
    expect(checkpoint.size).toBe(1042);
  });

  it('keeps extension lines it does not understand', () => {
    const root = randomBytes(32).toString('base64');
    expect(parseCheckpoint(`o\n7\n${root}\nextra one\n— not a signature\n`).extensions).toEqual([
      'extra one',
      '— not a signature',
    ]);
  });
});

describe('note parsing is strict', () => {
  const { privateKey, publicKey } = projectKey();
  const name = 'proofline.dev/tlog/t';
  const known = [ed25519NoteVerifier(name, publicKey)];
  const text = 'proofline.dev/tlog/t\n3\nRDyz4y9MCLyjW3nVr9Dm2dfOjgLs0r7eSTi2j1xYG5s=\n';
  const good = signNote(text, [ed25519NoteSigner(name, privateKey)]);
  const sigLine = good.slice(text.length + 1);
  const b64 = sigLine.slice(sigLine.lastIndexOf(' ') + 1, -1);

  it('opens the note these cases are made from', () => {
    expect(openNote(good, known).text).toBe(text);
  });

  it.each([
    ['no final newline', good.slice(0, -1)],
    ['no blank line', `${text}${sigLine}`],
    ['an empty signature block', `${text}\n`],
    ['a hyphen instead of an em dash', `${text}\n- ${sigLine.slice(2)}`],
    ['an en dash instead of an em dash', `${text}\n\u2013 ${sigLine.slice(2)}`],
    ['no space after the dash', `${text}\n\u2014${sigLine.slice(2)}`],
    ['an empty key name', `${text}\n\u2014  ${b64}\n`],
    ['a plus in the key name', `${text}\n\u2014 a+b ${b64}\n`],
    ['a no-break space in the key name', `${text}\n\u2014 a\u00a0b ${b64}\n`],
    ['an ideographic space in the key name', `${text}\n\u2014 a\u3000b ${b64}\n`],
    ['no signature', `${text}\n\u2014 ${name}\n`],
    ['an empty signature', `${text}\n\u2014 ${name} \n`],
    [
      'a signature no longer than its key ID',
      `${text}\n\u2014 ${name} ${Buffer.alloc(4).toString('base64')}\n`,
    ],
    ['unpadded base64', `${text}\n\u2014 ${name} ${b64.replace(/=+$/, '')}\n`],
    ['base64 with a space', `${text}\n\u2014 ${name} ${b64.slice(0, 8)} ${b64.slice(8)}\n`],
    // 68 bytes of key ID and signature end in one padding character; the one before it has two unused bits.
    [
      'base64 with nonzero trailing bits',
      `${text}\n\u2014 ${name} ${b64.slice(0, -2)}${nextChar(b64.at(-2)!)}=\n`,
    ],
    ['a carriage return', good.replace('\n3\n', '\r\n3\n')],
    ['CRLF line ends', good.replace(/\n/g, '\r\n')],
    ['a tab', good.replace('\n3\n', '\n\t3\n')],
    ['a NUL', good.replace('\n3\n', '\n3\u0000\n')],
    ['a lone surrogate', good.replace('\n3\n', '\n3\ud800\n')],
  ])('rejects %s', (_, message) => {
    expectCode('NOTE_MALFORMED', () => openNote(message, known));
  });

  it.each([
    ['a stray 0xff byte', Buffer.from([0xff])],
    ['an overlong encoding of "/"', Buffer.from([0xc0, 0xaf])],
    ['a UTF-8-encoded surrogate', Buffer.from([0xed, 0xa0, 0x80])],
    ['a truncated sequence', Buffer.from([0xe2, 0x80])],
  ])('rejects bytes with %s', (_, bad) => {
    const bytes = Buffer.from(good);
    const at = bytes.indexOf('\n3\n') + 1;
    expectCode('NOTE_MALFORMED', () =>
      openNote(Buffer.concat([bytes.subarray(0, at), bad, bytes.subarray(at)]), known),
    );
  });

  it(`accepts ${MAX_NOTE_SIGNATURES} signature lines and refuses one more`, () => {
    const stranger = ed25519NoteSigner('witness.example/w', projectKey().privateKey);
    const strangerLine = signNote(text, [stranger]).slice(text.length + 1);
    const withLines = (n: number): string => good + strangerLine.repeat(n - 1);
    expect(openNote(withLines(MAX_NOTE_SIGNATURES), known).unverified).toHaveLength(1);
    expectCode('NOTE_MALFORMED', () => openNote(withLines(MAX_NOTE_SIGNATURES + 1), known));
  });

  it('refuses a note larger than the limit before reading it', () => {
    const big = `${'x'.repeat(MAX_NOTE_BYTES)}\n${good}`;
    expectCode('NOTE_MALFORMED', () => openNote(big, known));
  });

  it('signs only what it could open again', () => {
    const signer = ed25519NoteSigner(name, privateKey);
    expectCode('NOTE_MALFORMED', () => signNote('no newline', [signer]));
    expectCode('NOTE_MALFORMED', () => signNote('tab\t\n', [signer]));
    expectCode('NOTE_MALFORMED', () => signNote(text, []));
    expectCode('NOTE_BAD_KEY', () => signNote(text, [{ ...signer, name: 'bad name' }]));
  });
});

describe('keys', () => {
  // A key whose ID has a hex letter in it, so that its upper-case spelling differs.
  let key = projectKey();
  while (!/[a-f]/.test(verifierKey('k.example/a', key.publicKey).split('+')[1]!)) key = projectKey();
  const { privateKey, publicKey } = key;
  const vkey = verifierKey('k.example/a', publicKey);
  // Split as a reader must: the base64 key after the second plus may hold pluses of its own.
  const [vname, vid] = vkey.split('+') as [string, string];
  const vdata = vkey.slice(vname.length + vid.length + 2);

  it('the private and the public key give the same key ID', () => {
    expect(ed25519KeyId('k.example/a', privateKey)).toBe(ed25519KeyId('k.example/a', publicKey));
    expect(vid).toBe(ed25519KeyId('k.example/a', publicKey).toString(16).padStart(8, '0'));
  });

  it.each([
    ['no fields', 'k.example'],
    ['two fields', `${vname}+${vid}`],
    ['an empty name', `+${vid}+${vdata}`],
    ['a space in the name', `k example+${vid}+${vdata}`],
    ['an upper-case key ID', `${vname}+${vid.toUpperCase()}+${vdata}`],
    ['a 7-digit key ID', `${vname}+${vid.slice(1)}+${vdata}`],
    [
      'a key ID that is not the key hash',
      `${vname}+${(parseInt(vid, 16) ^ 1).toString(16).padStart(8, '0')}+${vdata}`,
    ],
    ['a key of another name', `k.example/b+${vid}+${vdata}`],
    ['base64 with a space inside', `${vname}+${vid}+${vdata.slice(0, 20)} ${vdata.slice(20)}`],
    ['base64 with padding it does not need', `${vname}+${vid}+${vdata}=`],
    [
      'another signature type',
      `${vname}+${vid}+${Buffer.from([2, ...Buffer.from(vdata, 'base64').subarray(1)]).toString('base64')}`,
    ],
    ['a short key', `${vname}+${vid}+${Buffer.from(vdata, 'base64').subarray(0, 32).toString('base64')}`],
  ])('a verifier key with %s is refused', (_, bad) => {
    expectCode('NOTE_BAD_KEY', () => parseVerifierKey(bad));
  });

  it('only Ed25519 keys sign and verify, and only a private key signs', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const x25519 = generateKeyPairSync('x25519');
    expectCode('NOTE_BAD_KEY', () => ed25519NoteSigner('k', ec.privateKey));
    expectCode('NOTE_BAD_KEY', () => ed25519NoteVerifier('k', x25519.publicKey));
    expectCode('NOTE_BAD_KEY', () => verifierKey('k', ec.publicKey));
    expectCode('NOTE_BAD_KEY', () => ed25519NoteSigner('k', publicKey));
    expectCode('NOTE_BAD_KEY', () => ed25519NoteSigner('has space', privateKey));
  });
});

describe('properties', () => {
  const { privateKey, publicKey } = projectKey();
  // Key names and origins: what proofline would write (no spaces or pluses), from a wide alphabet.
  const keyName = fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 30 })
    .filter((s) => !/[\p{White_Space}+\p{Cc}]/u.test(s));
  const extensionLine = fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 20 })
    .filter((s) => !/\p{Cc}/u.test(s));
  const checkpoints = fc.record({
    origin: keyName,
    size: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
    rootHash: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b)),
    extensions: fc.array(extensionLine, { maxLength: 3 }),
  });

  it('a signed checkpoint opens to what was signed, and no single flipped bit of it opens', () => {
    fc.assert(
      fc.property(checkpoints, fc.nat(), fc.integer({ min: 0, max: 7 }), (checkpoint, at, bit) => {
        const signer = ed25519NoteSigner(checkpoint.origin, privateKey);
        const verifier = parseVerifierKey(verifierKey(checkpoint.origin, publicKey));
        const signed = Buffer.from(signCheckpoint(checkpoint, [signer]));
        expect(openCheckpoint(signed, [verifier], checkpoint.origin).checkpoint).toEqual(checkpoint);
        const tampered = Buffer.from(signed);
        tampered[at % tampered.length]! ^= 1 << bit;
        expect(() => openCheckpoint(tampered, [verifier], checkpoint.origin)).toThrow(CheckpointError);
      }),
      RUNS,
    );
  });

  it('parsing any text either succeeds or fails with a CheckpointError, and what parses formats back', () => {
    const noteLike = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc
        .array(fc.constantFrom('o', '1', '\n', '\u2014 ', ' ', '+', '=', 'AAAA', '\r', 'é'), {
          maxLength: 40,
        })
        .map((p) => p.join('')),
    );
    fc.assert(
      fc.property(noteLike, (message) => {
        for (const attempt of [
          () => openNote(message, [ed25519NoteVerifier('o', publicKey)]),
          () => parseCheckpoint(message),
        ]) {
          try {
            attempt();
          } catch (error) {
            expect(error).toBeInstanceOf(CheckpointError);
          }
        }
      }),
      RUNS,
    );
  });
});

function nextChar(c: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  return alphabet[(alphabet.indexOf(c) + 1) % 64]!;
}
