/* report.js: the host table and per-host details of report.html.
 *
 * Reads the JSON data island written by report/html.c (its format is
 * described there, the positions in its records in html_layout.h) and
 * renders with createElement and textContent only: no string from the
 * data is ever parsed as markup.  The filter state
 * lives in the URL fragment (#verdict=not_ready&rule=...&q=...), so a
 * view can be linked, bookmarked and checked by a headless browser.
 * Only one page of rows is in the document at a time, which keeps a
 * 10,000-host fleet responsive. */
(function () {
	'use strict';

	/* BEGIN ISLAND LAYOUT: the positions in the island's records, as
	 * report/html_layout.h defines them (every field, in order; N is a
	 * hive tuple's size).  tests/test_html_layout.c compares this block
	 * with that header, so change both together. */
	var R = {
		ID: 0, TITLE: 1, SEV: 2, CAT: 3, SOURCE: 4, APPLIES: 5, REMEDY: 6, REG: 7, ORIGIN: 8,
		COUNTS: 9, N_PASS: 10, N_FAIL: 11, N_WARN: 12, N_NOT_APPLICABLE: 13, N_UNKNOWN: 14
	};
	var E = { ROLE: 0, FILE: 1, CS: 2, KEY: 3, NAME: 4, TYPE: 5, DATA: 6, LW: 7, NOTE: 8, LINE: 9 };
	var F = { RULE: 0, STATUS: 1, SEV: 2, TITLE: 3, CAT: 4, OBS: 5, EXP: 6, REASON: 7, EV: 8 };
	var H = {
		LABEL: 0, DIR: 1, CN: 2, HOSTNAME: 3, DOMAIN: 4, OS: 5, PRODUCT_NAME: 6, NT: 7,
		INSTALL: 8, EDITION: 9, PTYPE: 10, PRODUCT: 11, ARCH: 12, CS_SOURCE: 13, VREASON: 14,
		NOTE: 15, BUILD: 16, UBR: 17, SP: 18, CS: 19, VERDICT: 20, REUSED: 21, HIVES: 22,
		FILES: 23, FINDINGS: 24, NARRATIVE: 25, HSTAT: 26
	};
	var HV = {
		ROLE: 0, KIND: 1, KIND_WHY: 2, PATH: 3, STATUS: 4, REASON: 5, SHA: 6, EMBEDDED: 7,
		LAST_WRITTEN: 8, LOGS: 9, REPLAY: 10, SIZE: 11, SEQ1: 12, SEQ2: 13, CHECKSUM_OK: 14,
		DIRTY: 15, DEGRADED: 16, CONTAINER: 17, CONTAINER_SHA: 18, INNER: 19, N: 20
	};
	/* END ISLAND LAYOUT */
	var STATUS = ['PASS', 'FAIL', 'WARN', 'NOT_APPLICABLE', 'UNKNOWN'];
	var PASS = 0, FAIL = 1, WARN = 2, NA = 3, UNKNOWN = 4;
	var VERDICT = ['ready', 'not_ready', 'unknown', 'ready_with_waivers'];
	var VERDICT_TITLE = ['Ready', 'Not ready', 'Unknown', 'Ready with waivers'];
	var ROLES = ['SYSTEM', 'SOFTWARE'];
	var PAGE_SIZES = [25, 50, 100, 250, 1000];
	/* Printing renders rows and details into the page; bounded so that a
	 * huge fleet does not hang the print dialog. */
	var PRINT_ROWS = 5000, PRINT_DETAILS = 100;

	/* Keys below can be any string from a hive ("__proto__" too): maps only. */
	var D, S, hosts, ruleByName = new Map(), collator, view = [], st, printing = false;

	function $(id) { return document.getElementById(id); }

	/* Control characters are shown, not interpreted: the same \xNN form
	 * the server-rendered parts use (ha_escape_html), and \uNNNN for C1
	 * controls and the Bidi_Control characters, which would reorder the
	 * text around them. */
	function vis(s) {
		return String(s).replace(
			/[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
			function (ch) {
				var c = ch.charCodeAt(0), h = c.toString(16).toUpperCase();
				if (c >= 0x80)
					return '\\u' + ('000' + h).slice(-4);
				return '\\x' + (h.length < 2 ? '0' + h : h);
			});
	}
	function str(i) { return i >= 0 && i < S.length ? S[i] : ''; }
	function el(tag, cls, text) {
		var e = document.createElement(tag);
		if (cls)
			e.className = cls;
		if (text !== undefined && text !== null)
			e.textContent = vis(text);
		return e;
	}
	function add(parent, child) { parent.appendChild(child); return child; }
	function fmt(n) { return Number(n).toLocaleString('en-US'); }
	function pill(cls, text) { return el('span', 'pill ' + cls, text); }
	function statusPill(s) {
		return pill('st-' + STATUS[s], STATUS[s] === 'NOT_APPLICABLE' ? 'N/A' : STATUS[s]);
	}
	function verdictPill(v) { return pill('v-' + VERDICT[v], VERDICT_TITLE[v]); }

	/* ----------------------------------------------------------- the data */

	function load() {
		var seen;
		D = JSON.parse($('ha-data').textContent);
		S = D.s;
		collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
		D.r.forEach(function (r, i) { ruleByName.set(str(r[R.ID]), i); });
		hosts = D.h.map(function (h, i) {
			var counts = [0, 0, 0, 0, 0], hive = [], problem = false;
			h[H.FINDINGS].forEach(function (f) { counts[D.f[f][F.STATUS]]++; });
			h[H.HSTAT].forEach(function (s, role) {
				var name = str(s);
				if (name !== 'ok' && name !== 'replayed') {
					problem = true;
					hive.push(ROLES[role] + ':' + name);
				}
			});
			return { i: i, h: h, counts: counts, hive: hive, problem: problem, hay: null,
				dup: false };
		});
		seen = new Map();
		hosts.forEach(function (x) {
			var l = str(x.h[H.LABEL]);
			if (seen.has(l))
				x.dup = seen.get(l).dup = true;
			else
				seen.set(l, x);
		});
	}

	function hay(x) {
		if (x.hay === null) {
			var h = x.h;
			x.hay = [H.LABEL, H.CN, H.DIR, H.OS, H.PRODUCT_NAME, H.HOSTNAME, H.DOMAIN]
				.map(function (k) { return str(h[k]); }).join('\n').toLowerCase();
		}
		return x.hay;
	}

	/* ------------------------------------------------------------ state */

	function defaults() {
		return { q: '', verdict: '', rule: '', status: '', os: '', hive: '', sort: 'verdict',
			desc: false, page: 1, size: 100, open: [] };
	}

	function readHash() {
		var p = new URLSearchParams(location.hash.replace(/^#/, '')), s = defaults(), n;
		s.q = p.get('q') || '';
		if (VERDICT.indexOf(p.get('verdict')) >= 0)
			s.verdict = p.get('verdict');
		if (p.get('rule') && ruleByName.has(p.get('rule')))
			s.rule = p.get('rule');
		if (STATUS.indexOf(p.get('status')) >= 0)
			s.status = p.get('status');
		s.os = p.get('os') || '';
		s.hive = p.get('hive') || '';
		if (Object.prototype.hasOwnProperty.call(SORTS, p.get('sort')))
			s.sort = p.get('sort');
		s.desc = p.get('desc') === '1';
		n = parseInt(p.get('page'), 10);
		if (n > 0)
			s.page = n;
		n = parseInt(p.get('size'), 10);
		if (PAGE_SIZES.indexOf(n) >= 0)
			s.size = n;
		s.open = p.getAll('host');
		return s;
	}

	function hashOf(s) {
		var p = new URLSearchParams(), d = defaults();
		['verdict', 'rule', 'status', 'os', 'hive', 'q'].forEach(function (k) {
			if (s[k])
				p.set(k, s[k]);
		});
		if (s.sort !== d.sort || s.desc)
			p.set('sort', s.sort);
		if (s.desc)
			p.set('desc', '1');
		if (s.page > 1)
			p.set('page', String(s.page));
		if (s.size !== d.size)
			p.set('size', String(s.size));
		s.open.forEach(function (l) { p.append('host', l); });
		return p.toString();
	}

	function writeHash() {
		var h = hashOf(st), url = location.pathname + location.search + (h ? '#' + h : '');
		if (location.hash.replace(/^#/, '') === h)
			return;
		try {
			history.replaceState(null, '', url);
		} catch (e) {
			location.hash = h; /* some browsers refuse replaceState on file: URLs */
		}
	}

	/* ---------------------------------------------------------- filtering */

	function statusWanted() {
		var w = [false, false, false, false, false];
		if (st.status)
			w[STATUS.indexOf(st.status)] = true;
		else if (st.rule)
			w[FAIL] = w[WARN] = w[UNKNOWN] = true; /* "not passing" */
		else
			return null;
		return w;
	}

	function filter() {
		var q = st.q.trim().toLowerCase(), want = statusWanted(), v = VERDICT.indexOf(st.verdict);
		var rid = st.rule ? D.r[ruleByName.get(st.rule)][R.ID] : -1;
		return hosts.filter(function (x) {
			var h = x.h, fs, i, f, ok;
			if (v >= 0 && h[H.VERDICT] !== v)
				return false;
			if (st.os && str(h[H.OS]) !== st.os)
				return false;
			if (st.hive && (st.hive === 'problem' ? !x.problem : x.hive.indexOf(st.hive) < 0))
				return false;
			if (want) {
				fs = h[H.FINDINGS];
				ok = false;
				for (i = 0; i < fs.length && !ok; i++) {
					f = D.f[fs[i]];
					ok = (rid < 0 || f[F.RULE] === rid) && want[f[F.STATUS]];
				}
				if (!ok)
					return false;
			}
			return !q || hay(x).indexOf(q) >= 0;
		});
	}

	/* Worst first: not ready, unknown, ready. */
	var VERDICT_RANK = [3, 0, 1, 2];
	var SORTS = {
		label: function (a, b) { return collator.compare(str(a.h[H.LABEL]), str(b.h[H.LABEL])); },
		cn: function (a, b) { return collator.compare(str(a.h[H.CN]), str(b.h[H.CN])); },
		os: function (a, b) { return collator.compare(str(a.h[H.OS]), str(b.h[H.OS])); },
		build: function (a, b) {
			return (a.h[H.BUILD] - b.h[H.BUILD]) || (a.h[H.UBR] - b.h[H.UBR]);
		},
		arch: function (a, b) { return collator.compare(str(a.h[H.ARCH]), str(b.h[H.ARCH])); },
		verdict: function (a, b) {
			return VERDICT_RANK[a.h[H.VERDICT]] - VERDICT_RANK[b.h[H.VERDICT]] ||
				b.counts[FAIL] - a.counts[FAIL] || b.counts[UNKNOWN] - a.counts[UNKNOWN];
		},
		fail: function (a, b) { return a.counts[FAIL] - b.counts[FAIL]; },
		unknown: function (a, b) { return a.counts[UNKNOWN] - b.counts[UNKNOWN]; },
		warn: function (a, b) { return a.counts[WARN] - b.counts[WARN]; },
		hives: function (a, b) { return a.hive.length - b.hive.length; },
		reason: function (a, b) {
			return collator.compare(str(a.h[H.VREASON]), str(b.h[H.VREASON]));
		}
	};
	/* Columns whose natural first click is "largest first". */
	var DESC_FIRST = { fail: 1, unknown: 1, warn: 1, hives: 1 };

	function sortView(list) {
		var cmp = SORTS[st.sort], sign = st.desc ? -1 : 1;
		return list.sort(function (a, b) {
			return sign * cmp(a, b) || SORTS.label(a, b) || a.i - b.i;
		});
	}

	/* ------------------------------------------------------------ controls */

	function option(sel, value, text) {
		var o = add(sel, el('option', null, text));
		o.value = value;
		return o;
	}

	function bump(m, k) { m.set(k, (m.get(k) || 0) + 1); }

	function fillControls() {
		var os = new Map(), hv = new Map(), problems = 0;
		D.r.forEach(function (r) { option($('f-rule'), str(r[R.ID]), str(r[R.ID])); });
		hosts.forEach(function (x) {
			bump(os, str(x.h[H.OS]));
			x.hive.forEach(function (k) { bump(hv, k); });
			if (x.problem)
				problems++;
		});
		Array.from(os.keys()).sort(function (a, b) {
			return os.get(b) - os.get(a) || collator.compare(a, b);
		}).forEach(function (o) { option($('f-os'), o, o + ' (' + fmt(os.get(o)) + ')'); });
		if (problems)
			option($('f-hive'), 'problem', 'Any problem (' + fmt(problems) + ')');
		Array.from(hv.keys()).sort().forEach(function (k) {
			option($('f-hive'), k, k.replace(':', ' ').replace(/_/g, ' ') + ' (' +
				fmt(hv.get(k)) + ')');
		});
		STATUS.forEach(function (s) { option($('f-status'), s, s); });
	}

	/* Sets a select to `value`, adding it when the data has no such option
	 * (a fragment may name an OS family that this fleet lacks). */
	function setSelect(sel, value) {
		var i;
		for (i = 0; i < sel.options.length; i++) {
			if (sel.options[i].value === value) {
				sel.selectedIndex = i;
				return;
			}
		}
		option(sel, value, value + ' (none)');
		sel.value = value;
	}

	function syncControls() {
		$('f-q').value = st.q;
		setSelect($('f-verdict'), st.verdict);
		setSelect($('f-rule'), st.rule);
		setSelect($('f-status'), st.status);
		setSelect($('f-os'), st.os);
		setSelect($('f-hive'), st.hive);
		$('f-status').options[0].textContent = st.rule ? 'Not passing (FAIL, WARN, UNKNOWN)' :
			'Any status';
	}

	function readControls() {
		st.q = $('f-q').value;
		st.verdict = $('f-verdict').value;
		st.rule = $('f-rule').value;
		st.status = $('f-status').value;
		st.os = $('f-os').value;
		st.hive = $('f-hive').value;
		st.page = 1;
	}

	/* ---------------------------------------------------------- the table */

	function cellCount(tr, cls, n) {
		var td = add(tr, el('td', 'num ' + cls));
		if (n)
			add(td, el('b', null, fmt(n)));
		else
			add(td, el('span', 'zero', '0'));
	}

	function buildText(h) {
		if (h[H.BUILD] < 0)
			return '';
		return h[H.UBR] >= 0 ? h[H.BUILD] + '.' + h[H.UBR] : String(h[H.BUILD]);
	}

	function row(x) {
		var h = x.h, tr = el('tr', 'row'), td, b, open = isOpen(x);
		tr.dataset.label = vis(str(h[H.LABEL]));
		tr.dataset.verdict = VERDICT[h[H.VERDICT]];
		if (open)
			tr.classList.add('open');
		td = add(tr, el('td', 'c-label'));
		b = add(td, el('button', 'hostbtn', str(h[H.LABEL])));
		b.type = 'button';
		b.setAttribute('aria-expanded', open ? 'true' : 'false');
		b.addEventListener('click', function () { toggle(x); });
		if (x.dup) /* two folders with one name: the folder tells them apart */
			add(td, el('span', 'sub', str(h[H.DIR])));
		add(tr, el('td', 'c-cn', str(h[H.CN])));
		td = add(tr, el('td', 'c-os', str(h[H.OS])));
		td.title = vis(str(h[H.PRODUCT_NAME]));
		add(tr, el('td', 'num c-build', buildText(h)));
		add(tr, el('td', 'c-arch', str(h[H.ARCH])));
		add(add(tr, el('td', 'c-verdict')), verdictPill(h[H.VERDICT]));
		cellCount(tr, 'c-fail', x.counts[FAIL]);
		cellCount(tr, 'c-unknown', x.counts[UNKNOWN]);
		cellCount(tr, 'c-warn', x.counts[WARN]);
		td = add(tr, el('td', 'c-hives'));
		if (!x.hive.length)
			add(td, pill('h-ok', 'ok'));
		x.hive.forEach(function (k) {
			add(td, pill('h-bad', k.replace(':', ' ').replace(/_/g, ' ')));
			td.appendChild(document.createTextNode(' '));
		});
		td = add(tr, el('td', 'c-reason'));
		add(td, el('span', 'clamp', str(h[H.VREASON]))).title = vis(str(h[H.VREASON]));
		return tr;
	}

	function isOpen(x) { return st.open.indexOf(str(x.h[H.LABEL])) >= 0; }

	function toggle(x) {
		var l = str(x.h[H.LABEL]), k = st.open.indexOf(l);
		if (k >= 0)
			st.open.splice(k, 1);
		else
			st.open.push(l);
		writeHash();
		renderRows();
	}

	function pages() { return Math.max(1, Math.ceil(view.length / st.size)); }

	function renderRows() {
		var tbody = $('ha-rows'), frag = document.createDocumentFragment(), start, end, i, tr, td;
		var ncols = $('ha-table').tHead.rows[0].cells.length;
		if (st.page > pages())
			st.page = pages();
		start = printing ? 0 : (st.page - 1) * st.size;
		end = printing ? Math.min(view.length, PRINT_ROWS) : Math.min(view.length, start + st.size);
		for (i = start; i < end; i++) {
			frag.appendChild(row(view[i]));
			if (!printing && isOpen(view[i])) {
				tr = el('tr', 'detail');
				td = add(tr, el('td'));
				td.colSpan = ncols;
				td.appendChild(detail(view[i]));
				frag.appendChild(tr);
			}
		}
		if (!view.length) {
			tr = el('tr');
			td = add(tr, el('td', 'empty', 'No host matches these filters.'));
			td.colSpan = ncols;
			frag.appendChild(tr);
		}
		tbody.textContent = '';
		tbody.appendChild(frag);
		renderCount(start, end);
		renderPager($('ha-pager'));
		renderPager($('ha-pager2'));
		renderSortMarks();
	}

	function renderCount(start, end) {
		var c = $('ha-count');
		c.textContent = '';
		c.dataset.matched = String(view.length);
		c.dataset.shown = String(end - start);
		c.dataset.total = String(hosts.length);
		if (!view.length) {
			c.textContent = 'No host matches (of ' + fmt(hosts.length) + ').';
			return;
		}
		c.appendChild(document.createTextNode('Showing '));
		add(c, el('b', null, fmt(start + 1) + '\u2013' + fmt(end)));
		c.appendChild(document.createTextNode(' of '));
		add(c, el('b', null, fmt(view.length)));
		c.appendChild(document.createTextNode(view.length === 1 ? ' host' : ' hosts'));
		if (view.length !== hosts.length)
			c.appendChild(document.createTextNode(' (filtered from ' + fmt(hosts.length) + ')'));
		if (printing && end < view.length)
			c.appendChild(document.createTextNode('; the first ' + fmt(PRINT_ROWS) +
				' are printed: narrow the filters to print the rest'));
	}

	function pagerButton(p, text, page, disabled) {
		var b = add(p, el('button', null, text));
		b.type = 'button';
		b.disabled = disabled;
		b.addEventListener('click', function () {
			st.page = page;
			writeHash();
			renderRows();
		});
	}

	function renderPager(p) {
		var n = pages(), sel;
		p.textContent = '';
		pagerButton(p, '\u00ab First', 1, st.page <= 1);
		pagerButton(p, '\u2039 Previous', st.page - 1, st.page <= 1);
		add(p, el('span', null, 'Page ' + fmt(st.page) + ' of ' + fmt(n)));
		pagerButton(p, 'Next \u203a', st.page + 1, st.page >= n);
		pagerButton(p, 'Last \u00bb', n, st.page >= n);
		sel = add(p, el('select'));
		sel.setAttribute('aria-label', 'Rows per page');
		PAGE_SIZES.forEach(function (s) { option(sel, String(s), s + ' per page'); });
		sel.value = String(st.size);
		sel.addEventListener('change', function () {
			st.size = parseInt(sel.value, 10);
			st.page = 1;
			writeHash();
			renderRows();
		});
	}

	function renderSortMarks() {
		var ths = $('ha-table').tHead.rows[0].cells, i;
		for (i = 0; i < ths.length; i++) {
			if (ths[i].dataset.col === st.sort)
				ths[i].setAttribute('aria-sort', st.desc ? 'descending' : 'ascending');
			else
				ths[i].removeAttribute('aria-sort');
		}
	}

	/* Recomputes the view from the state; `reveal` moves to the page of
	 * the first host named in the fragment. */
	function apply(reveal) {
		var k;
		view = sortView(filter());
		if (reveal && st.open.length) {
			for (k = 0; k < view.length; k++) {
				if (isOpen(view[k])) {
					st.page = Math.floor(k / st.size) + 1;
					break;
				}
			}
		}
		renderRows();
	}

	/* --------------------------------------------------------- the details */

	function fact(dl, name, value) {
		if (value === '' || value === null || value === undefined)
			return;
		add(dl, el('dt', null, name));
		add(dl, el('dd', null, value));
	}

	function facts(h) {
		var sec = el('section', 'facts'), dl, cs;
		add(sec, el('h4', null, 'Facts'));
		dl = add(sec, el('dl', 'facts'));
		fact(dl, 'Computer name', str(h[H.CN]) || 'unknown');
		fact(dl, 'Host label', str(h[H.LABEL]));
		fact(dl, 'Folder', str(h[H.DIR]));
		fact(dl, 'OS family', str(h[H.OS]));
		fact(dl, 'Product name', str(h[H.PRODUCT_NAME]));
		fact(dl, 'NT version', str(h[H.NT]));
		fact(dl, 'Build', buildText(h));
		fact(dl, 'Service pack', h[H.SP] >= 0 ? String(h[H.SP]) : '');
		fact(dl, 'Product type', [str(h[H.PTYPE]), str(h[H.PRODUCT])].filter(Boolean).join(' \u2014 '));
		fact(dl, 'Installation', [str(h[H.INSTALL]), str(h[H.EDITION])].filter(Boolean).join(', '));
		fact(dl, 'Architecture', str(h[H.ARCH]));
		fact(dl, 'Hostname', str(h[H.HOSTNAME]));
		fact(dl, 'Domain', str(h[H.DOMAIN]));
		cs = h[H.CS] >= 0 ? 'ControlSet' + ('00' + h[H.CS]).slice(-3) : 'none';
		if (str(h[H.CS_SOURCE]))
			cs += ' (' + str(h[H.CS_SOURCE]) + ')';
		fact(dl, 'Control set', cs);
		if (h[H.REUSED])
			fact(dl, 'Evaluation', 'from the snapshot saved by an earlier run (hive files unchanged)');
		fact(dl, 'Note', str(h[H.NOTE]));
		return sec;
	}

	function hives(h) {
		var sec = el('section', 'hives'), t, tr, hv = h[H.HIVES], i, r, td, bits;
		add(sec, el('h4', null, 'Hives'));
		if (!hv.length) {
			add(sec, el('p', 'muted', 'No hive file was found for this host.'));
			return sec;
		}
		t = add(add(sec, el('div', 'table-wrap')), el('table', 'hv'));
		tr = add(add(t, el('thead')), el('tr'));
		['Hive', 'Status', 'File', 'Details'].forEach(function (c) { add(tr, el('th', null, c)); });
		t = add(t, el('tbody'));
		for (i = 0; i + HV.N <= hv.length; i += HV.N) {
			r = hv.slice(i, i + HV.N);
			tr = add(t, el('tr'));
			td = add(tr, el('td'));
			add(td, el('b', null, str(r[HV.ROLE]) || str(r[HV.KIND])));
			if (str(r[HV.ROLE]) && str(r[HV.KIND]) !== str(r[HV.ROLE]))
				add(td, el('span', 'sub', str(r[HV.KIND])));
			td = add(tr, el('td'));
			add(td, pill(str(r[HV.STATUS]) === 'ok' || str(r[HV.STATUS]) === 'replayed' ? 'h-ok' :
				str(r[HV.STATUS]) === 'skipped' ? 'st-NOT_APPLICABLE' : 'h-bad',
				str(r[HV.STATUS]).replace(/_/g, ' ')));
			add(td, el('span', 'sub', str(r[HV.REASON])));
			td = add(tr, el('td'));
			add(td, el('span', 'path', str(r[HV.PATH])));
			if (str(r[HV.SHA]))
				add(td, el('span', 'hash', 'SHA-256 ' + str(r[HV.SHA])));
			if (str(r[HV.CONTAINER])) {
				add(td, el('span', 'sub', 'in container ' + str(r[HV.CONTAINER])));
				add(td, el('span', 'hash', 'container SHA-256 ' +
					(str(r[HV.CONTAINER_SHA]) || 'not computed')));
				add(td, el('span', 'sub', 'path inside ' + str(r[HV.INNER])));
			}
			td = add(tr, el('td'));
			bits = [];
			if (r[HV.SIZE] > 0)
				bits.push(fmt(r[HV.SIZE]) + ' bytes');
			if (r[HV.SEQ1] >= 0)
				bits.push('sequence ' + r[HV.SEQ1] + '/' + r[HV.SEQ2]);
			if (r[HV.CHECKSUM_OK] >= 0)
				bits.push(r[HV.CHECKSUM_OK] ? 'checksum ok' : 'checksum wrong');
			if (r[HV.DIRTY] > 0)
				bits.push('dirty');
			if (r[HV.DEGRADED] > 0)
				bits.push('degraded');
			if (str(r[HV.LAST_WRITTEN]))
				bits.push('last written ' + str(r[HV.LAST_WRITTEN]));
			if (str(r[HV.EMBEDDED]))
				bits.push('embedded name ' + str(r[HV.EMBEDDED]));
			if (str(r[HV.KIND_WHY]))
				bits.push('recognised by ' + str(r[HV.KIND_WHY]));
			if (str(r[HV.LOGS]))
				bits.push('logs ' + str(r[HV.LOGS]));
			if (str(r[HV.REPLAY]))
				bits.push('replay ' + str(r[HV.REPLAY]));
			add(td, el('span', 'sub', bits.join('; ')));
		}
		return sec;
	}

	/* The plain-text narrative of narrative.c: "  - HEAD (RULE, STATUS):
	 * REASON" items, each optionally followed by an indented symptom line.
	 * Its strings were terminal-escaped there, so a reason holds no line
	 * break; a line that does not fit is shown as it is. */
	function parseNarrative(text) {
		var items = [], cur = null;
		text.split('\n').forEach(function (line) {
			var m = /^ {2}- (.+?) \(([A-Za-z0-9_-]+), ([A-Z_]+)\): (.*)$/.exec(line);
			if (m) {
				cur = { head: m[1], rule: m[2], status: m[3], reason: m[4], symptom: '' };
				items.push(cur);
			} else if (cur && /^ {4}\S/.test(line)) {
				cur.symptom += (cur.symptom ? ' ' : '') + line.trim();
			} else if (line.trim()) {
				items.push({ text: line.trim() });
				cur = null;
			}
		});
		return items;
	}

	function focusFinding(box, rule) {
		var list = box.querySelectorAll('details.finding'), i;
		for (i = 0; i < list.length; i++) {
			if (list[i].dataset.rule === rule) {
				list[i].open = true;
				list[i].classList.add('flash');
				list[i].scrollIntoView({ block: 'center' });
				setTimeout(function (d) { d.classList.remove('flash'); }, 1500, list[i]);
				return;
			}
		}
	}

	/* The host's own reason for each rule: the narrative text was written
	 * for a host with the same pattern of findings (report/html.c), and
	 * only the reasons differ between such hosts. */
	function reasons(h) {
		var r = new Map();
		h[H.FINDINGS].forEach(function (fid) {
			var f = D.f[fid];
			r.set(str(f[F.RULE]), str(f[F.REASON]));
		});
		return r;
	}

	function narrative(h, box) {
		var text = str(h[H.NARRATIVE]), sec, ol, unknown = h[H.VERDICT] === 2, own = reasons(h);
		if (!text)
			return null;
		sec = el('section', 'why-host' + (unknown ? ' unknown' : ''));
		add(sec, el('h4', null, unknown ? 'Why the verdict is unknown' :
			'Why TLS 1.2 would fail here'));
		add(sec, el('p', null, unknown ?
			'Nothing found fails outright, but these could not be decided; until they are, ' +
			'backups from this host may fail with error 10054 ("An existing connection was ' +
			'forcibly closed by the remote host").' :
			'Symptom: Azure Backup backups and restores from this host fail; the agent reports ' +
			'error 10054, "An existing connection was forcibly closed by the remote host". ' +
			'The findings that explain it, in the order they break the connection:'));
		ol = add(sec, el('ol'));
		parseNarrative(text).forEach(function (it) {
			var li = add(ol, el('li')), b;
			if (it.text) {
				li.textContent = vis(it.text);
				return;
			}
			add(li, el('b', null, it.head));
			li.appendChild(document.createTextNode(' '));
			b = add(li, el('button', 'rulelink', it.rule));
			b.type = 'button';
			b.title = 'Show this finding and its evidence';
			b.addEventListener('click', function () { focusFinding(box, it.rule); });
			li.appendChild(document.createTextNode(' '));
			if (STATUS.indexOf(it.status) >= 0)
				add(li, statusPill(STATUS.indexOf(it.status)));
			li.appendChild(document.createTextNode(' ' + vis(own.has(it.rule) ?
				own.get(it.rule) : it.reason)));
			if (it.symptom)
				add(li, el('span', 'symptom', it.symptom));
		});
		return sec;
	}

	function evidenceTable(f, files) {
		var table = el('table', 'ev'), t, tr, i, e, td, name, file;
		tr = add(add(table, el('thead')), el('tr'));
		['Hive and file', 'Key', 'Value', 'Type', 'Data', 'Key written', 'Note'].forEach(function (c) {
			add(tr, el('th', null, c));
		});
		t = add(table, el('tbody'));
		for (i = F.EV; i < f.length; i++) {
			e = D.e[f[i]];
			tr = add(t, el('tr'));
			/* the row's text as findings.csv says it (rendered in C) */
			tr.title = vis(str(e[E.LINE]));
			td = add(tr, el('td'));
			add(td, el('b', null, str(e[E.ROLE]) || '\u2014'));
			if (str(e[E.CS]))
				add(td, el('span', 'sub', str(e[E.CS])));
			if (e[E.FILE] >= 0 && 2 * e[E.FILE] + 1 < files.length) {
				file = files.slice(2 * e[E.FILE], 2 * e[E.FILE] + 2);
				add(td, el('span', 'path', str(file[0])));
				if (str(file[1]))
					add(td, el('span', 'hash', 'SHA-256 ' + str(file[1])));
			}
			add(tr, el('td', 'path', str(e[E.KEY])));
			name = e[E.NAME] < 0 ? '(key)' : str(e[E.NAME]) === '' ? '(Default)' : str(e[E.NAME]);
			add(tr, el('td', 'path c-name', name));
			add(tr, el('td', 'mono c-type', str(e[E.TYPE])));
			add(tr, el('td', 'path c-data', str(e[E.DATA])));
			add(tr, el('td', 'mono c-lw', str(e[E.LW])));
			add(tr, el('td', null, str(e[E.NOTE])));
		}
		return table;
	}

	/* SCHANNEL-CIPHER-SUITES: the effective list from its derived evidence
	 * rows ("offered", "accepted by Azure"; rules/suites.c), in order, the
	 * ones Azure accepts marked. */
	function suitesList(f) {
		var offered = null, accepted = [], i, e, box, ol;
		for (i = F.EV; i < f.length; i++) {
			e = D.e[f[i]];
			if (str(e[E.TYPE]) !== 'suite list')
				continue;
			if (str(e[E.NAME]) === 'offered')
				offered = str(e[E.DATA]);
			else if (str(e[E.NAME]) === 'accepted by Azure' && str(e[E.DATA]))
				accepted = str(e[E.DATA]).split(', ');
		}
		if (offered === null)
			return null;
		box = el('div', 'suites');
		add(box, el('p', null, 'TLS 1.2 cipher suites in effect, in order:'));
		ol = add(box, el('ol', 'suitelist'));
		(offered ? offered.split(', ') : []).forEach(function (name) {
			var li = add(ol, el('li', null, name + ' '));
			if (accepted.indexOf(name) >= 0)
				add(li, pill('st-PASS', 'Azure accepts'));
			else if (accepted.indexOf(name + ' (compatibility)') >= 0)
				add(li, pill('st-WARN', 'Azure: compatibility policy only'));
		});
		if (!offered)
			add(ol, el('li', null, 'none'));
		return box;
	}

	function copyButton(bar, pre) {
		var b = add(bar, el('button', 'btn copy', 'Copy'));
		b.type = 'button';
		b.addEventListener('click', function () {
			var range;
			if (navigator.clipboard && navigator.clipboard.writeText) {
				navigator.clipboard.writeText(pre.textContent).then(function () {
					b.textContent = 'Copied';
				}, function () { b.textContent = 'Select and copy'; });
			}
			range = document.createRange();
			range.selectNodeContents(pre);
			window.getSelection().removeAllRanges();
			window.getSelection().addRange(range);
		});
	}

	function finding(fid, files, openAll) {
		var f = D.f[fid], s = f[F.STATUS], d = el('details', 'finding st-' + STATUS[s]);
		var sum, body, ox, div, rule = D.r[ruleByName.get(str(f[F.RULE]))], reg, bar, pre;
		d.dataset.rule = str(f[F.RULE]);
		d.open = openAll || s === FAIL || s === WARN || s === UNKNOWN;
		sum = add(d, el('summary'));
		add(sum, statusPill(s));
		add(sum, el('code', null, str(f[F.RULE])));
		add(sum, el('span', null, str(f[F.TITLE])));
		add(sum, el('span', 'sev sev-' + str(f[F.SEV]), str(f[F.SEV])));
		body = add(d, el('div', 'fbody'));
		ox = add(body, el('div', 'ox'));
		div = add(ox, el('div'));
		add(div, el('span', 'k', 'Observed'));
		div.appendChild(document.createTextNode(vis(str(f[F.OBS]))));
		div = add(ox, el('div'));
		add(div, el('span', 'k', 'Expected'));
		div.appendChild(document.createTextNode(vis(str(f[F.EXP]))));
		add(body, el('p', 'freason', str(f[F.REASON])));
		if (str(f[F.RULE]) === 'SCHANNEL-CIPHER-SUITES' && (div = suitesList(f)))
			add(body, div);
		if (f.length > F.EV)
			add(add(body, el('div', 'table-wrap')), evidenceTable(f, files));
		reg = rule ? str(rule[R.REG]) : '';
		if (s === FAIL && reg) {
			div = add(body, el('div', 'reg'));
			bar = add(div, el('div', 'regbar'));
			add(bar, el('span', 'k', 'Remediation (.reg fragment)'));
			pre = add(div, el('pre', null, reg));
			copyButton(bar, pre);
			if (str(rule[R.REMEDY]))
				add(div, el('p', 'muted', str(rule[R.REMEDY])));
		} else if (s === FAIL && rule && str(rule[R.REMEDY])) {
			div = add(body, el('div', 'reg'));
			add(div, el('span', 'k', 'Remediation'));
			add(div, el('p', null, str(rule[R.REMEDY])));
		}
		return d;
	}

	function detail(x, openAll) {
		var h = x.h, box = el('div', 'detail'), head, grid, sec, why, fs = h[H.FINDINGS];
		box.dataset.label = vis(str(h[H.LABEL]));
		head = add(box, el('div', 'dhead'));
		add(head, el('h3', null, str(h[H.LABEL])));
		add(head, verdictPill(h[H.VERDICT]));
		if (str(h[H.CN]))
			add(head, el('span', 'muted', 'computer name ' + str(h[H.CN])));
		add(box, el('p', 'dreason', str(h[H.VREASON])));
		why = narrative(h, box);
		if (why)
			add(box, why);
		grid = add(box, el('div', 'dgrid'));
		add(grid, facts(h));
		add(grid, hives(h));
		sec = add(box, el('section', 'findings'));
		add(sec, el('h4', null, 'Findings (' + fs.length + ')'));
		fs.forEach(function (fid) { add(sec, finding(fid, h[H.FILES], openAll)); });
		return box;
	}

	/* ------------------------------------------------------------ printing */

	function beforePrint() {
		var box = $('ha-print'), list, i, n, more;
		if (printing)
			return;
		printing = true;
		renderRows();
		box.textContent = '';
		list = view.filter(isOpen);
		if (!list.length)
			list = view;
		n = Math.min(list.length, PRINT_DETAILS);
		add(box, el('h2', null, 'Host details'));
		more = list.length - n;
		if (more > 0)
			add(box, el('p', 'muted', 'The first ' + fmt(n) + ' of ' + fmt(list.length) +
				' hosts are printed in detail; narrow the filters (or open hosts) to ' +
				'print others.'));
		for (i = 0; i < n; i++)
			add(box, detail(list[i], true));
		document.querySelectorAll('details').forEach(function (d) { d.open = true; });
	}

	function afterPrint() {
		if (!printing)
			return;
		printing = false;
		$('ha-print').textContent = '';
		renderRows();
	}

	/* ---------------------------------------------------------------- main */

	function wire() {
		var timer = null, ths, i;
		function changed() {
			readControls();
			syncControls();
			writeHash();
			apply(false);
		}
		['f-verdict', 'f-rule', 'f-status', 'f-os', 'f-hive'].forEach(function (id) {
			$(id).addEventListener('change', changed);
		});
		$('f-q').addEventListener('input', function () {
			clearTimeout(timer);
			timer = setTimeout(changed, 120);
		});
		$('ha-filters').addEventListener('submit', function (e) { e.preventDefault(); });
		$('f-reset').addEventListener('click', function () {
			st = defaults();
			syncControls();
			writeHash();
			apply(false);
		});
		ths = $('ha-table').tHead.rows[0].cells;
		for (i = 0; i < ths.length; i++) {
			ths[i].querySelector('button').addEventListener('click', function (e) {
				var col = e.currentTarget.dataset.sort;
				if (st.sort === col)
					st.desc = !st.desc;
				else {
					st.sort = col;
					st.desc = Object.prototype.hasOwnProperty.call(DESC_FIRST, col);
				}
				st.page = 1;
				writeHash();
				apply(false);
			});
		}
		window.addEventListener('hashchange', function () {
			/* a plain anchor (#rules) is a place in the page, not a filter */
			if (/^#[A-Za-z][\w-]*$/.test(location.hash) &&
				document.getElementById(location.hash.slice(1)))
				return;
			st = readHash();
			syncControls();
			apply(true);
			$('hosts').scrollIntoView();
		});
		window.addEventListener('beforeprint', beforePrint);
		window.addEventListener('afterprint', afterPrint);
	}

	function fail(e) {
		var p = $('ha-error');
		document.documentElement.setAttribute('data-ha-error', String(e && e.message || e));
		if (p) {
			p.textContent = 'The interactive host table could not be shown: ' +
				String(e && e.message || e) + '. The summary above is complete; hosts.csv ' +
				'and findings.csv hold every host.';
			p.hidden = false;
		}
	}

	function main() {
		var t0 = window.performance ? performance.now() : 0;
		try {
			load();
			st = readHash();
			fillControls();
			syncControls();
			wire();
			$('ha-app').hidden = false;
			apply(true);
			document.documentElement.setAttribute('data-ha-ready', '1');
			/* how long loading and the first view took, for measuring large fleets */
			if (t0)
				document.documentElement.setAttribute('data-ha-ms',
					String(Math.round(performance.now() - t0)));
		} catch (e) {
			fail(e);
		}
	}

	main();
})();
