#!/usr/bin/env python3
"""Simulate how Patchwork stores, and its REST API returns, the header fields
that DKIM signatures cover, for every DKIM-signed message of a corpus.

It makes the same calls as getpatchwork/patchwork (copied below, with their
fallbacks):

  patchwork/management/commands/parsemail.py: email.message_from_binary_file
      (policy compat32, the default)
  patchwork/parser.py @ 0686a736fbf6 find_headers and sanitise_header:
      decode_header, then make_header(value, header_name=key,
      continuation_ws='\t') and Header.encode(); an unknown-8bit fallback;
      a field whose decoding or encoding fails is dropped
  patchwork/api/patch.py @ 26d4a68789e4 PatchDetailSerializer.get_headers:
      email.parser.Parser().parsestr(patch.headers, True) and get_all(key),
      one element returned as a plain string

The result depends on the Python version's email.header; the numbers in
dkim/pwheaders_measure_test.go were measured with CPython 3.11.

Usage, from the module root (standard library only):

  python3 tools/pwsim/pw_headers_sim.py [CORPUS_DIR [OUT_JSON]]
      CORPUS_DIR defaults to ../shared/corpus, OUT_JSON to
      /tmp/pw_headers_sim.json; then
      go test -tags measure -run TestPWHeadersMeasure -v ./dkim
  python3 tools/pwsim/pw_headers_sim.py --field 'Subject: =?UTF-8?Q?caf=C3=A9?='
      prints what Patchwork's API returns for that one field, and the value
      headers.ParsePatchwork makes of it (a Go string), for writing tests.

The JSON is a list of messages; for each DKIM-Signature of a message, the
fields its h= selects (bottom-up, as a verifier does) as written (raw bytes,
base64) and as the API returns them (null when the verifier would find no
such field). Mode "lf" feeds the file as it is (the corpus is LF), mode
"crlf" with every line end turned into CRLF (mail piped with CRLF).
"""

import argparse
import base64
import email
import email.parser
import json
import os
import re
from email.errors import HeaderParseError
from email.header import decode_header, make_header


# --- patchwork/parser.py, sanitise_header (same calls, same fallbacks) ---
def sanitise_header(header_contents, header_name=None):
    try:
        value = decode_header(header_contents)
    except HeaderParseError:
        return None
    try:
        header = make_header(value, header_name=header_name,
                             continuation_ws='\t')
    except (UnicodeDecodeError, LookupError, ValueError):
        new_value = []
        for (part, _) in value:
            new_value += [(part, 'unknown-8bit')]
        header = make_header(new_value, header_name=header_name,
                             continuation_ws='\t')
    try:
        header.encode()
    except (HeaderParseError, IndexError):
        return None
    return header


# --- patchwork/parser.py, find_headers ---
def find_headers(mail):
    headers = [(key, sanitise_header(value, header_name=key))
               for key, value in mail.items()]
    strings = [('%s: %s' % (key, header.encode()))
               for (key, header) in headers if header is not None]
    return '\n'.join(strings)


# --- patchwork/api/patch.py, get_headers ---
def api_headers(stored):
    headers = {}
    if stored:
        parsed = email.parser.Parser().parsestr(stored, True)
        for key in parsed.keys():
            headers[key] = parsed.get_all(key)
            if len(headers[key]) == 1:
                headers[key] = headers[key][0]
    return headers


# The feedparser's header-line test (email.feedparser.headerRE).
HEADER_RE = re.compile(rb'^(From |[\041-\071\073-\176]*:|[\t ])')


def raw_fields(msg):
    """The header fields of msg (bytes) as written: [(name, value)], value
    being the bytes after the colon up to (not including) the field's final
    line end, folding kept."""
    lines = msg.splitlines(keepends=True)
    fields = []
    cur = None
    for i, line in enumerate(lines):
        if line in (b'\n', b'\r\n'):
            break
        if i == 0 and line.startswith(b'From '):
            continue
        if line[:1] in (b' ', b'\t'):
            if cur is not None:
                cur.append(line)
            continue
        if not HEADER_RE.match(line) or b':' not in line:
            break
        if line.startswith(b'From ') and not line.startswith(b'From:'):
            continue  # the feedparser drops a later unix-from as a defect
        cur = [line]
        fields.append(cur)
    out = []
    for f in fields:
        raw = b''.join(f)
        if raw.endswith(b'\r\n'):
            raw = raw[:-2]
        elif raw.endswith(b'\n'):
            raw = raw[:-1]
        name, value = raw.split(b':', 1)
        out.append((name, value))
    return out


def split_mbox(data):
    """Messages of a file: one raw message, or an mbox's messages."""
    if not data.startswith(b'From '):
        return [data]
    msgs, cur = [], []
    prev_blank = True
    for line in data.splitlines(keepends=True):
        if line.startswith(b'From ') and prev_blank and cur:
            msgs.append(b''.join(cur))
            cur = []
        cur.append(line)
        prev_blank = line in (b'\n', b'\r\n')
    if cur:
        msgs.append(b''.join(cur))
    return msgs


def sig_tags(value):
    v = re.sub(rb'[\r\n]', b'', value)
    tags = {}
    for spec in v.split(b';'):
        if b'=' in spec:
            k, val = spec.split(b'=', 1)
            tags[k.strip().decode('ascii', 'replace')] = val
    return tags


def show(b):
    try:
        return b.decode('utf-8')
    except UnicodeDecodeError:
        return b.decode('latin-1')


def simulate(msg_bytes):
    mail = email.message_from_bytes(msg_bytes)  # compat32, as parsemail
    items = mail.items()
    raw = raw_fields(msg_bytes)
    names_py = [k.lower() for k, _ in items]
    names_raw = [n.decode('latin-1').lower() for n, _ in raw]
    if names_py != names_raw:
        return None, 'raw split disagrees with Python (%d vs %d fields)' % (
            len(names_raw), len(names_py))
    stored = find_headers(mail)
    api = api_headers(stored)
    # Stored values per lower-cased name, top-down (get_all is
    # case-insensitive; keys differing in case hold the same list).
    by_name = {}
    for key, val in api.items():
        lk = key.lower()
        if lk in by_name:
            continue
        by_name[lk] = (key, val if isinstance(val, list) else [val])
    dropped = [k for (k, v) in items
               if sanitise_header(v, header_name=k) is None]
    sigs = []
    raw_sigs = [(i, f) for i, f in enumerate(raw)
                if f[0].decode('latin-1').strip().lower() == 'dkim-signature']
    stored_sigs = by_name.get('dkim-signature', ('DKIM-Signature', []))[1]
    for k, (_, (sname, svalue)) in enumerate(raw_sigs):
        tags = sig_tags(svalue)
        hlist = [h.strip().decode('latin-1')
                 for h in re.sub(rb'\s', b'', tags.get('h', b'')).split(b':')
                 if h.strip()]
        c = re.sub(rb'\s', b'', tags.get('c', b'simple')).decode('latin-1')
        hc = c.split('/')[0] or 'simple'
        used = {}
        fields = []
        for h in hlist:
            lh = h.lower()
            n = used.get(lh, 0)
            used[lh] = n + 1
            origs = [f for f in raw if f[0].decode('latin-1').lower() == lh]
            stor = by_name.get(lh, (h, []))[1]
            o = origs[len(origs) - 1 - n] if n < len(origs) else None
            s = stor[len(stor) - 1 - n] if n < len(stor) else None
            if o is None and s is None:
                continue  # absent on both sides: hashes nothing either way
            fields.append({
                'h': h,
                'name': o[0].decode('latin-1') if o else None,
                'stored_name': by_name.get(lh, (None,))[0] if s is not None else None,
                'orig_b64': base64.b64encode(o[1]).decode() if o else None,
                'orig': show(o[1]) if o else None,
                'stored': s,
            })
        ss = stored_sigs[k] if k < len(stored_sigs) else None
        sigs.append({
            'd': show(re.sub(rb'\s', b'', tags.get('d', b''))),
            'c': c,
            'header_canon': hc,
            'sig_name': sname.decode('latin-1'),
            'sig_orig_b64': base64.b64encode(svalue).decode(),
            'sig_stored': ss,
            'fields': fields,
        })
    return {'sigs': sigs, 'dropped': dropped}, None


def go_quote(s):
    """s as a Go interpreted string literal (ASCII, escapes for the rest)."""
    out = []
    for ch in s:
        if ch == '"' or ch == '\\':
            out.append('\\' + ch)
        elif ch == '\n':
            out.append('\\n')
        elif ch == '\r':
            out.append('\\r')
        elif ch == '\t':
            out.append('\\t')
        elif ' ' <= ch <= '~':
            out.append(ch)
        else:
            out.append(''.join('\\x%02x' % b for b in ch.encode('utf-8')))
    return '"' + ''.join(out) + '"'


def show_field(field):
    """Print what the API returns for one field given as 'Name: value'."""
    msg = email.message_from_bytes(field.encode('utf-8') + b'\n\nbody\n')
    api = api_headers(find_headers(msg))
    if not api:
        print('dropped: Patchwork stores nothing for this field')
        return
    for key, val in api.items():
        for v in val if isinstance(val, list) else [val]:
            print('API:    %s: %r' % (key, v))
            print('Field:  %s' % go_quote(' ' + v.replace('\n', '\r\n')))


def main():
    ap = argparse.ArgumentParser(
        description='Simulate Patchwork\'s storage of DKIM-signed header '
                    'fields (see the comment at the top of this file).')
    ap.add_argument('corpus', nargs='?', default='../shared/corpus',
                    help='directory of raw mails and mboxes '
                         '(default ../shared/corpus)')
    ap.add_argument('out', nargs='?', default='/tmp/pw_headers_sim.json',
                    help='JSON to write (default /tmp/pw_headers_sim.json)')
    ap.add_argument('--field', metavar="'NAME: VALUE'",
                    help='print how Patchwork stores this one field, and exit')
    args = ap.parse_args()
    if args.field is not None:
        show_field(args.field)
        return
    corpus, out_path = args.corpus, args.out
    out = []
    problems = []
    nfiles = nmsgs = 0
    for root, dirs, files in os.walk(corpus):
        dirs.sort()
        for fn in sorted(files):
            if fn.endswith(('.md', '.tsv')):
                continue
            path = os.path.join(root, fn)
            rel = os.path.relpath(path, corpus)
            with open(path, 'rb') as f:
                data = f.read()
            nfiles += 1
            for idx, msg in enumerate(split_mbox(data)):
                hdr = msg.split(b'\n\n', 1)[0].split(b'\r\n\r\n', 1)[0]
                if not re.search(rb'(?im)^dkim-signature\s*:', hdr):
                    continue
                nmsgs += 1
                for mode in ('lf', 'crlf'):
                    m = msg
                    if mode == 'crlf':
                        m = m.replace(b'\r\n', b'\n').replace(b'\n', b'\r\n')
                    try:
                        res, why = simulate(m)
                    except Exception as e:  # noqa: a broken mail
                        res, why = None, 'exception: %r' % (e,)
                    if res is None:
                        problems.append('%s#%d %s: %s' % (rel, idx, mode, why))
                        continue
                    if not res['sigs']:
                        continue
                    res.update({'file': rel, 'index': idx, 'mode': mode})
                    out.append(res)
    with open(out_path, 'w') as f:
        json.dump(out, f, indent=1)
    print('files read: %d, messages with DKIM-Signature: %d, records: %d'
          % (nfiles, nmsgs, len(out)))
    for p in problems:
        print('skipped:', p)


if __name__ == '__main__':
    main()
