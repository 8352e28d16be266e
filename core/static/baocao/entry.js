/* The entry form (#entry-form) of reporting/entry.html and backfill/form.html: table totals always; the live
   check only when the form carries data-editable. A file, not inline: the Content-Security-Policy runs no
   inline script without the page's nonce (docs/security.md). */
/* ES5 only: old browsers on slow links. Totals of each table, and the live check that asks the server. */
(function () {
  var form = document.getElementById('entry-form');
  if (!form || !document.querySelectorAll) { return; }

  function grouped(s, sep) { return new RegExp('^\\d{1,3}(\\' + sep + '\\d{3})+$').test(s); }
  /* The same reading as core.reporting.entry.parse_number: "1.234" is 1234, "1.234,5" and "1234.5" are 1234.5. */
  function parseNum(text) {
    var s = String(text).replace(/[\s\u00a0\u202f]/g, ''), sign = 1, i, whole, frac, dm, gs;
    if (s.charAt(0) === '-' || s.charAt(0) === '+') { sign = s.charAt(0) === '-' ? -1 : 1; s = s.slice(1); }
    if (!s) { return null; }
    var dot = s.indexOf('.') >= 0, comma = s.indexOf(',') >= 0;
    if (dot && comma) {
      dm = s.lastIndexOf('.') > s.lastIndexOf(',') ? '.' : ',';
      gs = dm === '.' ? ',' : '.';
      i = s.lastIndexOf(dm); whole = s.slice(0, i); frac = s.slice(i + 1);
      if (!grouped(whole, gs) || !/^\d+$/.test(frac)) { return NaN; }
      s = whole.split(gs).join('') + '.' + frac;
    } else if (comma) {
      if (s.split(',').length > 2) { if (!grouped(s, ',')) { return NaN; } s = s.split(',').join(''); }
      else if (/^(\d*,\d+|\d+,)$/.test(s)) { s = s.replace(',', '.'); }
      else { return NaN; }
    } else if (dot) {
      if (s.split('.').length > 2) { if (!grouped(s, '.')) { return NaN; } s = s.split('.').join(''); }
      else if (/^[1-9]\d{0,2}\.\d{3}$/.test(s)) { s = s.replace('.', ''); }
      else if (!/^(\d*\.\d+|\d+\.)$/.test(s)) { return NaN; }
    } else if (!/^\d+$/.test(s)) { return NaN; }
    return sign * parseFloat(s);
  }
  function show(n) {
    if (isNaN(n)) { return '?'; }
    return String(Math.round(n * 1e6) / 1e6).replace('.', ',');
  }
  function setText(el, text) { if (el) { el.textContent = text; } }
  function addClass(el, c) { if (el && (' ' + el.className + ' ').indexOf(' ' + c + ' ') < 0) { el.className += ' ' + c; } }
  function dropClass(el, c) { if (el) { el.className = (' ' + el.className + ' ').replace(' ' + c + ' ', ' ').replace(/^\s+|\s+$/g, ''); } }

  function totals(table) {
    var inputs = table.querySelectorAll('input[data-row]'), rows = {}, cols = {}, all = 0, i, v, r, c, cells;
    for (i = 0; i < inputs.length; i++) {
      r = inputs[i].getAttribute('data-row'); c = inputs[i].getAttribute('data-col');
      v = parseNum(inputs[i].value);
      if (v === null) { v = 0; }
      rows[r] = (rows[r] || 0) + v; cols[c] = (cols[c] || 0) + v; all += v;
    }
    cells = table.querySelectorAll('[data-row-total]');
    for (i = 0; i < cells.length; i++) { setText(cells[i], show(rows[cells[i].getAttribute('data-row-total')] || 0)); }
    cells = table.querySelectorAll('[data-col-total]');
    for (i = 0; i < cells.length; i++) { setText(cells[i], show(cols[cells[i].getAttribute('data-col-total')] || 0)); }
    setText(table.querySelector('[data-grand-total]'), show(all));
  }
  function fieldTotal(table) {
    var out = table.parentNode.parentNode.querySelector('[data-total-for]'), all = table.querySelector('[data-grand-total]'),
        cols = table.querySelectorAll('[data-col-total]');
    return {label: out, text: all ? all.textContent : (cols.length === 1 ? cols[0].textContent : '')};
  }
  function showTotal(table) {
    var t = fieldTotal(table);
    setText(t.label, form.getAttribute('data-msg-total') ? form.getAttribute('data-msg-total') + ': ' + t.text : t.text);
  }
  var tables = form.querySelectorAll('table.entry-grid'), t, liveTotal = document.getElementById('entry-live-total');
  function bindTotals(table) {
    var again = function () {
      totals(table); showTotal(table);
      var label = table.parentNode.parentNode.querySelector('label');
      if (liveTotal && label) { setText(liveTotal, label.firstChild.textContent.replace(/^\s+|\s+$/g, '') + ': ' + fieldTotal(table).text); }
    };
    table.addEventListener('input', again, false);
    table.addEventListener('change', again, false);
    table.addEventListener('focusin', again, false);
    totals(table); showTotal(table);
  }
  for (t = 0; t < tables.length; t++) { bindTotals(tables[t]); }

  /* Long tables (54 ethnic groups): the rows with nothing in them fold away behind "Hiện tất cả". */
  function foldEmpty(table) {
    var rows = table.querySelectorAll('tbody tr[data-empty]'), i, button;
    if (rows.length < 6 || table.querySelectorAll('tbody tr').length < 10) { return; }
    for (i = 0; i < rows.length; i++) { addClass(rows[i], 'entry-row-hidden'); }
    button = document.createElement('button');
    button.type = 'button';
    button.className = 'btn btn-xs btn-default entry-show-all';
    button.textContent = (form.getAttribute('data-msg-show-all') || '%(n)s').replace('%(n)s', rows.length);
    button.addEventListener('click', function () {
      for (i = 0; i < rows.length; i++) { dropClass(rows[i], 'entry-row-hidden'); }
      button.parentNode.removeChild(button);
    }, false);
    table.parentNode.parentNode.insertBefore(button, table.parentNode.nextSibling);
  }
  for (t = 0; t < tables.length; t++) { foldEmpty(tables[t]); }

  /* Enter and the arrow keys move between cells (the inputs are text, so arrows never change a number). */
  function inputsOf(scope) {
    var all = scope.querySelectorAll('input, select, textarea'), out = [], i;
    for (i = 0; i < all.length; i++) {
      if (all[i].type === 'hidden' || all[i].type === 'file' || all[i].disabled) { continue; }
      if (all[i].offsetParent === null) { continue; }
      out.push(all[i]);
    }
    return out;
  }
  function focus(el) { if (el) { el.focus(); if (el.select && el.tagName === 'INPUT') { el.select(); } } }
  function inGrid(el, dRow, dCol) {
    var table = el.parentNode.parentNode.parentNode.parentNode, r = +el.getAttribute('data-row'),
        c = +el.getAttribute('data-col'), next, guard = 0;
    do {
      r += dRow; c += dCol; guard++;
      next = table.querySelector('input[data-row="' + r + '"][data-col="' + c + '"]');
    } while (next && next.offsetParent === null && guard < 500);
    return next;
  }
  form.addEventListener('keydown', function (e) {
    var el = e.target, key = e.key || '', list, i, next = null, len;
    if (el.tagName !== 'INPUT' || el.type === 'file' || el.type === 'hidden' || e.altKey || e.ctrlKey || e.metaKey) { return; }
    var grid = el.getAttribute('data-row') !== null;
    len = (el.value || '').length;
    if (key === 'Enter') {
      list = inputsOf(form);
      for (i = 0; i < list.length; i++) { if (list[i] === el) { next = list[i + (e.shiftKey ? -1 : 1)]; break; } }
      if (grid) { next = inGrid(el, e.shiftKey ? -1 : 1, 0) || next; }
      e.preventDefault();
      focus(next);
    } else if (key === 'ArrowDown' || key === 'Down' || key === 'ArrowUp' || key === 'Up') {
      var down = key === 'ArrowDown' || key === 'Down';
      if (grid) { next = inGrid(el, down ? 1 : -1, 0); }
      else {
        list = inputsOf(form);
        for (i = 0; i < list.length; i++) { if (list[i] === el) { next = list[i + (down ? 1 : -1)]; break; } }
        if (next && next.tagName !== 'INPUT') { next = null; }
      }
      if (next) { e.preventDefault(); focus(next); }
    } else if (grid && (key === 'ArrowRight' || key === 'Right') && el.selectionStart === len && el.selectionEnd === len) {
      next = inGrid(el, 0, 1); if (next) { e.preventDefault(); focus(next); }
    } else if (grid && (key === 'ArrowLeft' || key === 'Left') && el.selectionStart === 0 && el.selectionEnd === 0) {
      next = inGrid(el, 0, -1); if (next) { e.preventDefault(); focus(next); }
    }
  }, false);

  var jump = document.getElementById('entry-jump');
  if (jump) {
    dropClass(jump, 'hidden');
    jump.addEventListener('change', function () {
      var target = jump.value && document.getElementById(jump.value);
      if (target) { target.scrollIntoView(); focus(inputsOf(target)[0]); }
      jump.value = '';
    }, false);
  }

  if (!form.getAttribute('data-editable') || !window.XMLHttpRequest || !window.JSON) { return; }

  var url = form.getAttribute('data-validate'), status = document.getElementById('entry-status'),
      summary = document.getElementById('entry-summary'), ruleList = document.getElementById('entry-rules'),
      timer = null, busy = false, pending = null, dirty = false;

  function serialize(full) {
    var parts = [], els = form.elements, i, el;
    for (i = 0; i < els.length; i++) {
      el = els[i];
      if (!el.name || el.disabled || el.type === 'submit' || el.type === 'button') { continue; }
      if ((el.type === 'checkbox' || el.type === 'radio') && !el.checked) { continue; }
      parts.push(encodeURIComponent(el.name) + '=' + encodeURIComponent(el.value));
    }
    if (full) { parts.push('_full=1'); }
    return parts.join('&');
  }
  function clear() {
    var old = form.querySelectorAll('.entry-msg'), i;
    for (i = 0; i < old.length; i++) { old[i].parentNode.removeChild(old[i]); }
    old = ruleList.querySelectorAll('.entry-msg');
    for (i = 0; i < old.length; i++) { old[i].parentNode.removeChild(old[i]); }
    old = form.querySelectorAll('.has-error');
    for (i = 0; i < old.length; i++) { dropClass(old[i], 'has-error'); }
  }
  function note(list, text, tag) {
    var el = document.createElement(tag || 'span');
    el.className = tag ? 'entry-msg' : 'help-block entry-msg';
    el.textContent = text;
    list.appendChild(el);
  }
  function place(key, messages) {
    var m = /^(.*)\[(.*)\]$/.exec(key), code = m ? m[1] : key, cell = m ? m[2] : '',
        box = document.getElementById('field-' + code), input, i, prefix = '';
    if (!box) { for (i = 0; i < messages.length; i++) { note(ruleList, key + ': ' + messages[i], 'li'); } return; }
    addClass(box, 'has-error');
    if (cell) {
      input = form.elements[code + '__' + cell];
      if (input) { addClass(input.parentNode, 'has-error'); prefix = input.getAttribute('title') + ': '; }
    }
    for (i = 0; i < messages.length; i++) { note(box.querySelector('.entry-errors'), prefix + messages[i]); }
  }
  function local() {
    /* What only the browser knows: a number input holding text it cannot read sends nothing. */
    var found = {}, els = form.querySelectorAll('input'), i;
    for (i = 0; i < els.length; i++) {
      if (els[i].validity && els[i].validity.badInput) { found[els[i].name] = [els[i].validationMessage]; }
    }
    return found;
  }
  function render(errors) {
    var count = 0, key, i, extra = local();
    clear();
    for (key in extra) { if (extra.hasOwnProperty(key) && !errors[key]) { errors[key] = extra[key]; } }
    for (key in errors) {
      if (!errors.hasOwnProperty(key)) { continue; }
      count += errors[key].length;
      if (key === '_rules') { for (i = 0; i < errors[key].length; i++) { note(ruleList, errors[key][i], 'li'); } }
      else { place(key, errors[key]); }
    }
    if (ruleList.children.length) { dropClass(summary, 'hidden'); } else { addClass(summary, 'hidden'); }
    setText(status, count ? form.getAttribute('data-msg-errors') + ' ' + count : form.getAttribute('data-msg-ok'));
  }
  function send(full) {
    if (busy) { pending = full || pending === true; return; }
    busy = true;
    var xhr = new XMLHttpRequest();
    xhr.open('POST', url, true);
    xhr.setRequestHeader('Content-Type', 'application/x-www-form-urlencoded; charset=UTF-8');
    xhr.setRequestHeader('X-Requested-With', 'XMLHttpRequest');
    xhr.onreadystatechange = function () {
      if (xhr.readyState !== 4) { return; }
      busy = false;
      var data = null;
      try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
      if (xhr.status === 200 && data) { render(data.errors || {}); }
      else { setText(status, (data && data.message) || form.getAttribute('data-msg-offline')); }
      if (pending !== null) { var next = pending; pending = null; send(next); }
    };
    xhr.send(serialize(full));
  }
  /* --- autosave: each changed cell a moment after it is typed, kept in this browser until the server has it --- */
  var saveUrl = form.getAttribute('data-autosave'), saved = document.getElementById('entry-saved'),
      reportId = form.getAttribute('data-report'), lock = form.getAttribute('data-lock'),
      storeKey = 'baocao.entry.' + reportId + '.' + lock, pendingCells = {}, inFlight = null, saveTimer = null,
      retryTimer = null, sessionGone = false, afterLogin = [], store = null;
  try { store = window.localStorage; store.setItem('baocao.probe', '1'); store.removeItem('baocao.probe'); } catch (e) { store = null; }

  function csrfInput() { return form.elements.csrf_token; }
  function keep() {
    if (!store) { return; }
    var any = false, k;
    for (k in pendingCells) { if (pendingCells.hasOwnProperty(k)) { any = true; break; } }
    try { if (any) { store.setItem(storeKey, JSON.stringify(pendingCells)); } else { store.removeItem(storeKey); } } catch (e) { /* full */ }
  }
  function savedState(text, cls) {
    if (!saved) { return; }
    saved.textContent = text;
    dropClass(saved, 'entry-unsaved'); dropClass(saved, 'entry-failed');
    if (cls) { addClass(saved, cls); }
  }
  function isCell(el) {
    return el && el.name && el.name.charAt(0) !== '_' && el.name !== 'csrf_token' && el.type !== 'file' &&
      el.type !== 'submit' && el.type !== 'button' && !el.disabled;
  }
  function request(method, url, body, done) {
    var xhr = new XMLHttpRequest();
    xhr.open(method, url, true);
    xhr.setRequestHeader('Content-Type', 'application/json');
    xhr.setRequestHeader('X-Requested-With', 'XMLHttpRequest');
    if (csrfInput()) { xhr.setRequestHeader('X-CSRFToken', csrfInput().value); }
    xhr.onreadystatechange = function () {
      if (xhr.readyState !== 4) { return; }
      var data = null;
      try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
      done(xhr.status, data || {});
    };
    xhr.send(body === null ? null : JSON.stringify(body));
  }
  function clearCellErrors(name) {
    var el = form.elements[name], box, msgs, i;
    if (!el || !el.parentNode) { return; }
    dropClass(el.parentNode, 'has-error');
    box = document.getElementById('field-' + name.split('__')[0]);
    if (!box) { return; }
    msgs = box.querySelectorAll('.entry-autosave-msg[data-for="' + name + '"]');
    for (i = 0; i < msgs.length; i++) { msgs[i].parentNode.removeChild(msgs[i]); }
    if (!box.querySelector('.has-error') && !box.querySelector('.entry-msg')) { dropClass(box, 'has-error'); }
  }
  function cellError(key, messages) {
    var m = /^(.*)\[(.*)\]$/.exec(key), name = m ? m[1] + '__' + m[2] : key, el = form.elements[name],
        box = document.getElementById('field-' + (m ? m[1] : key)), i, span;
    if (!box) { return; }
    addClass(box, 'has-error');
    if (el && m) { addClass(el.parentNode, 'has-error'); }
    for (i = 0; i < messages.length; i++) {
      span = document.createElement('span');
      span.className = 'help-block entry-autosave-msg';
      span.setAttribute('data-for', name);
      span.textContent = (el && m ? el.getAttribute('title') + ': ' : '') + messages[i];
      box.querySelector('.entry-errors').appendChild(span);
    }
  }
  function flush() {
    if (saveTimer) { clearTimeout(saveTimer); saveTimer = null; }
    if (inFlight || sessionGone || !saveUrl) { return; }
    var batch = {}, any = false, k;
    for (k in pendingCells) { if (pendingCells.hasOwnProperty(k)) { batch[k] = pendingCells[k]; any = true; } }
    if (!any) { return; }
    inFlight = batch;
    savedState(form.getAttribute('data-msg-saving'), 'entry-unsaved');
    request('PATCH', saveUrl, {values: batch, as_typed: true}, function (status, data) {
      inFlight = null;
      var i, name, key;
      if (status === 200 || status === 422) {
        for (i = 0; i < (data.saved || []).length; i++) {
          name = data.saved[i];
          if (pendingCells[name] === batch[name]) { delete pendingCells[name]; }
          clearCellErrors(name);
        }
        for (key in (data.errors || {})) {
          if (!data.errors.hasOwnProperty(key)) { continue; }
          name = key.replace(/^(.*)\[(.*)\]$/, '$1__$2');
          if (pendingCells[name] === batch[name]) { delete pendingCells[name]; }
          clearCellErrors(name);
          cellError(key, data.errors[key]);
        }
        keep();
        savedState(data.saved_at_text || '', status === 422 ? 'entry-failed' : null);
        if (status === 422 && data.message) { setText(status_el(), data.message); }
        for (k in pendingCells) { if (pendingCells.hasOwnProperty(k)) { schedule(300); break; } }
      } else if (status === 401 || (status === 400 && data.errors && data.errors.csrf_token)) {
        renewToken(status, flush);
      } else if (status === 409 || status === 403) {
        savedState(data.message || form.getAttribute('data-msg-unsaved'), 'entry-failed');
      } else {
        savedState(form.getAttribute('data-msg-unsaved'), 'entry-unsaved');
        if (retryTimer) { clearTimeout(retryTimer); }
        retryTimer = setTimeout(function () { retryTimer = null; flush(); }, 10000);
      }
    });
  }
  function status_el() { return status; }
  function schedule(ms) {
    if (saveTimer) { clearTimeout(saveTimer); }
    saveTimer = setTimeout(flush, ms);
  }
  function changed(el) {
    if (!isCell(el) || !saveUrl) { return; }
    pendingCells[el.name] = el.value;
    keep();
    savedState(form.getAttribute('data-msg-pending'), 'entry-unsaved');
    schedule(800);
  }
  form.addEventListener('input', function (e) { dirty = true; changed(e.target); }, false);

  /* --- the session ended: a fresh token if only it expired, else the password asked in place --- */
  var dialog = document.getElementById('entry-relogin'), reloginForm = document.getElementById('entry-relogin-form');
  function renewToken(status, then) {
    afterLogin.push(then);
    if (sessionGone) { return; }
    if (status === 400) {
      request('GET', form.getAttribute('data-csrf-url'), null, function (code, data) {
        if (code === 200 && data.csrf_token) { csrfInput().value = data.csrf_token; resume(); }
        else { askPassword(); }
      });
    } else { askPassword(); }
  }
  function resume() {
    var todo = afterLogin; afterLogin = []; sessionGone = false;
    for (var i = 0; i < todo.length; i++) { todo[i](); }
  }
  function askPassword() {
    sessionGone = true;
    savedState(form.getAttribute('data-msg-expired'), 'entry-failed');
    if (!dialog) { return; }
    dropClass(dialog, 'hidden');
    var user = document.getElementById('relogin-username'), pass = document.getElementById('relogin-password');
    focus(user && !user.value ? user : pass);
  }
  if (reloginForm) {
    reloginForm.addEventListener('submit', function (e) {
      e.preventDefault();
      var error = document.getElementById('entry-relogin-error');
      setText(error, '');
      request('POST', form.getAttribute('data-relogin-url'), {
        username: document.getElementById('relogin-username').value,
        password: document.getElementById('relogin-password').value
      }, function (code, data) {
        if (code === 200 && data.csrf_token) {
          csrfInput().value = data.csrf_token;
          document.getElementById('relogin-password').value = '';
          addClass(dialog, 'hidden');
          resume();
        } else {
          setText(error, data.message || form.getAttribute('data-msg-offline'));
        }
      });
    }, false);
  }

  /* On load: drop copies of older versions of this report, bring back what was typed and not saved. */
  function restore() {
    if (!store) { return; }
    var prefix = 'baocao.entry.' + reportId + '.', i, k, old = [], kept = null, name, el, count = 0;
    for (i = 0; i < store.length; i++) { k = store.key(i); if (k && k.indexOf(prefix) === 0 && k !== storeKey) { old.push(k); } }
    for (i = 0; i < old.length; i++) { store.removeItem(old[i]); }
    try { kept = JSON.parse(store.getItem(storeKey) || 'null'); } catch (e) { kept = null; }
    if (!kept) { return; }
    for (name in kept) {
      if (!kept.hasOwnProperty(name)) { continue; }
      el = form.elements[name];
      if (!isCell(el)) { continue; }
      if (el.value !== kept[name]) { el.value = kept[name]; count++; pendingCells[name] = kept[name]; }
    }
    keep();
    if (count) {
      setText(status, form.getAttribute('data-msg-restored'));
      for (i = 0; i < tables.length; i++) { totals(tables[i]); showTotal(tables[i]); }
      schedule(200);
    }
  }
  if (form.getAttribute('data-expired')) {
    /* Posted after the session ended: what is on this page is the officer's work; keep it all. */
    var els = form.elements;
    for (var n = 0; n < els.length; n++) { if (isCell(els[n]) && els[n].value) { pendingCells[els[n].name] = els[n].value; } }
    keep();
    /* Signed in again: post the page as it is (a fresh token now), which saves it and goes back to the report. */
    afterLogin.push(function () { dirty = false; form.submit(); });
    askPassword();
  } else {
    restore();
  }

  form.addEventListener('change', function () {
    dirty = true;
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(function () { timer = null; send(false); }, 500);
  }, false);
  form.addEventListener('submit', function (e) {
    if (sessionGone) {
      /* The post would only meet an expired session: sign in here first, then post what is on the screen. */
      e.preventDefault();
      var button = document.activeElement && document.activeElement.form === form ? document.activeElement : null;
      afterLogin.push(function () {
        if (button && button.name) {
          var carry = document.createElement('input');
          carry.type = 'hidden'; carry.name = button.name; carry.value = button.value;
          form.appendChild(carry);
        }
        dirty = false; form.submit();
      });
      askPassword();
      return;
    }
    dirty = false;
  }, false);
  var check = document.getElementById('entry-check');
  if (check) { check.addEventListener('click', function () { send(true); }, false); }
  window.addEventListener('beforeunload', function (e) {
    var k, any = false;
    for (k in pendingCells) { if (pendingCells.hasOwnProperty(k)) { any = true; break; } }
    if (!dirty || !any) { return undefined; }
    e.returnValue = form.getAttribute('data-msg-leave');
    return e.returnValue;
  }, false);
})();
