// sms-xcheck.js: reads t/sms-corpus output on stdin and checks every PDU
// with node-pdu (npm), an independent decoder written from 23.040 by
// others: the same canonical fields as kefu's decoder (D lines), and
// node-pdu's own encoder giving the same hex (E lines).  Prints TAP.
'use strict';
const pdu = require('node-pdu');

function hex(s) { return Buffer.from(s, 'utf8').toString('hex'); }

function tz(min) {
	const a = Math.abs(min);
	return (min < 0 ? '-' : '+') + String(Math.floor(a / 60)).padStart(2, '0') +
	    ':' + String(a % 60).padStart(2, '0');
}

function stamp(s) {
	return s.getIsoString().slice(0, 19).replace('T', ' ') + ' ' + tz(s.tzOff);
}

function addr(a) {
	if (a.type.type === 5)
		return a.phone;
	return (a.type.type === 1 ? '+' : '') + a.phone;
}

// node-pdu 2.1.1's default alphabet has '`' at 0x5F where TS 23.038 has
// the section sign; '`' is not in the GSM alphabet (kefu sends it in
// UCS2), so in GSM 7-bit text it can only be that slot.
function gsm7fix(p, t) {
	return p.data.isUnicode ? t : t.replace(/`/g, '\u00a7');
}

function canon(p) {
	const kind = p instanceof pdu.Submit ? 'submit' :
	    p instanceof pdu.Deliver ? 'deliver' : 'status-report';
	let c = 'type=' + kind + ' addr=' + addr(p.address);
	if (kind !== 'status-report')
		c += ' coding=' + (p.data.isUnicode ? 'ucs2' : 'gsm7');
	if (kind !== 'status-report') {
		const h = p.data.parts[0].header;
		if (h && h.getSegments() !== undefined)
			c += ' concat=' + h.getPointer() + '/' + h.getSegments() +
			    '/' + h.getCurrent();
	}
	if (kind === 'submit') {
		c += ' srr=' + p.type.statusReportRequest + ' mr=' +
		    p.messageReference;
		const iv = p.validityPeriod.interval;
		if (p.type.validityPeriodFormat === 2 && iv !== null &&
		    iv <= 720 * 60)
			c += ' vp=' + iv / 60;
	}
	if (kind !== 'submit')
		c += ' scts=' + stamp(kind === 'deliver' ?
		    p.serviceCenterTimeStamp : p.dateTime);
	if (kind === 'status-report')
		c += ' mr=' + p.reference + ' st=' + p.status + ' dt=' +
		    stamp(p.discharge);
	else
		c += ' text=' + hex(gsm7fix(p, p.data.parts.map((x) => x.text).join('')));
	return c;
}

const lines = require('fs').readFileSync(0, 'utf8').split('\n').filter((l) => l);
let n = 0, bad = 0;
console.log('1..' + lines.length);
for (const l of lines) {
	const f = l.split('\t');
	let got, want, what;
	n++;
	try {
		if (f[0] === 'D') {
			want = f[3];
			what = 'node-pdu decodes ' + f[2] + ' as kefu does';
			got = canon(pdu.parse(f[2]));
		} else {
			want = f[3];
			what = 'node-pdu encodes ' + f[2] + ' to ' + f[1] + ' as kefu does';
			got = new pdu.Submit(f[1], Buffer.from(f[2], 'hex').toString('utf8')).toString();
		}
	} catch (e) {
		got = 'exception: ' + e.message;
	}
	if (got === want) {
		console.log('ok ' + n + ' - ' + what);
	} else {
		bad++;
		console.log('not ok ' + n + ' - ' + what);
		console.log('#   kefu:     ' + want);
		console.log('#   node-pdu: ' + got);
	}
}
process.exitCode = bad ? 1 : 0;
