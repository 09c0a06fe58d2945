#!/usr/bin/python3
# sms-xcheck-gammu.py: reads t/sms-corpus output on stdin and decodes every
# PDU with libgammu (python3-gammu's DecodePDU, the decoder gammu-smsd
# uses), comparing what both can tell: type, number, coding, the
# concatenation header, TP-MR, validity period, time stamps (without the
# zone, which gammu drops), status, text.  Prints TAP.
import binascii
import sys

import gammu

TYPES = {'Submit': 'submit', 'Deliver': 'deliver',
         'Status_Report': 'status-report'}
CODINGS = {'Default_No_Compression': 'gsm7', 'Unicode_No_Compression': 'ucs2',
           '8bit': '8bit'}
UNIT = {'M': 1, 'H': 60, 'D': 1440, 'W': 10080}


def ours(canon):
    """kefu's canonical line as a dict (text last: may hold spaces)."""
    head, _, text = canon.partition(' text=')
    d = {}
    for f in head.split(' '):
        k, eq, v = f.partition('=')
        if not eq:                  # the time and zone of scts=, dt=
            continue
        d[k] = v
    for k in ('scts', 'dt'):
        i = head.find(' %s=' % k)
        if i >= 0:
            d[k] = head[i + len(k) + 2:i + len(k) + 2 + 19]
    if text or ' text=' in canon:
        d['text'] = binascii.unhexlify(text).decode('utf-8')
    return d


def theirs(m, want):
    d = {'type': TYPES.get(m['Type'], m['Type']), 'addr': m['Number']}
    if d['type'] != 'status-report':
        d['coding'] = CODINGS.get(m['Coding'], m['Coding'])
    if m['UDH']['Type'] in ('ConcatenatedMessages',
                            'ConcatenatedMessages16bit'):
        ref = m['UDH']['ID8bit'] if m['UDH']['ID8bit'] >= 0 else \
            m['UDH']['ID16bit']
        d['concat'] = '%d/%d/%d' % (ref, m['UDH']['AllParts'],
                                    m['UDH']['PartNumber'])
    if d['type'] == 'submit':
        d['mr'] = str(m['MessageReference'])
        v = m['SMSC']['Validity']
        if v not in ('NA', '') and 'vp' in want:
            d['vp'] = str(int(v[:-1]) * UNIT[v[-1]])
        elif 'vp' in want:
            d['vp'] = 'none(%s)' % v
    if d['type'] == 'deliver':
        d['scts'] = m['DateTime'].strftime('%Y-%m-%d %H:%M:%S')
    if d['type'] == 'status-report':
        d['scts'] = m['DateTime'].strftime('%Y-%m-%d %H:%M:%S')
        d['dt'] = m['SMSCDateTime'].strftime('%Y-%m-%d %H:%M:%S')
        d['mr'] = str(m['MessageReference'])
        d['st'] = str(m['DeliveryStatus'])
    else:
        t = m['Text']
        # libgammu 1.42 decodes as many characters as TP-UDL has
        # septets, so each extension character (2 septets) adds one
        # character of whatever follows in its buffer: cut exactly those.
        if d['coding'] == 'gsm7':
            esc = sum(t.count(c) for c in '\f^{}\\[~]|\u20ac')
            if esc and len(t) > esc:
                t = t[:-esc]
        d['text'] = t
    return d


def main():
    lines = [l for l in sys.stdin.read().split('\n') if l.startswith('D\t')]
    print('1..%d' % len(lines))
    bad = 0
    for n, l in enumerate(lines, 1):
        _, mo, hexpdu, canon = l.split('\t')
        want = ours(canon)
        want.pop('srr', None)       # gammu's dict does not show TP-SRR
        try:
            m = gammu.DecodePDU(binascii.unhexlify(hexpdu), SMSC=True)
            got = theirs(m, want)
        except Exception as e:      # noqa: BLE001 -- report, go on
            got = {'exception': repr(e)}
        if got == want:
            print('ok %d - libgammu decodes %s as kefu does' % (n, hexpdu[:40]))
        else:
            bad += 1
            print('not ok %d - libgammu decodes %s as kefu does' % (n, hexpdu))
            print('#   kefu:     %r' % sorted(want.items()))
            print('#   libgammu: %r' % sorted(got.items()))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
