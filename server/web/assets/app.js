// cadran web cockpit: the little client script the pages need (CSP forbids inline scripts).
// Everything works without it; it only improves the forms and shows resync progress live.
'use strict';

document.addEventListener('DOMContentLoaded', function () {
  // Phone-width menu: without this script a checkbox and its label fold the menu; here they become
  // one button that says whether the menu is open (aria-expanded), and Escape closes it.
  var navToggle = document.getElementById('nav-toggle');
  var navLabel = document.querySelector('label[for="nav-toggle"]');
  if (navToggle && navLabel) {
    var menuButton = document.createElement('button');
    menuButton.type = 'button';
    menuButton.className = 'nav-toggle-label';
    menuButton.setAttribute('aria-controls', 'nav-panel');
    while (navLabel.firstChild) menuButton.appendChild(navLabel.firstChild);
    navLabel.replaceWith(menuButton);
    navToggle.hidden = true;
    navToggle.tabIndex = -1;
    var showMenu = function (open) {
      navToggle.checked = open;
      menuButton.setAttribute('aria-expanded', open ? 'true' : 'false');
    };
    showMenu(navToggle.checked);
    menuButton.addEventListener('click', function () { showMenu(!navToggle.checked); });
    document.addEventListener('keydown', function (e) {
      if (e.key === 'Escape' && navToggle.checked) {
        showMenu(false);
        menuButton.focus();
      }
    });
  }

  // Key layout (issue 17): the grid as the phone's keys. Without this script it is a plain form
  // (every field shown, ▲ ▼ buttons save a swap). Here: only the field the key type needs, the BLF
  // colleague's name on the key, and reordering without reloads — drag a key by its handle
  // (pointer: mouse, pen, touch), or focus the handle and use the arrow keys, or the ▲ ▼ buttons —
  // then one "Enregistrer" saves the whole list (with the version it started from).
  var keysForm = document.querySelector('form.keys-form');
  if (keysForm) {
    keysForm.classList.add('keys-js');
    var keyItems = Array.prototype.slice.call(keysForm.querySelectorAll('.key'));
    var live = document.getElementById('keys-live');
    var dirtyBadge = keysForm.querySelector('.keys-dirty');
    var hint = document.querySelector('.keys-js-hint');
    if (hint) hint.hidden = false;
    var part = function (li, cls) { return li.querySelector('.' + cls); };
    var colleagueName = function (li) {
      var sel = part(li, 'key-blf');
      var opt = sel && sel.selectedIndex > 0 ? sel.options[sel.selectedIndex] : null;
      return opt ? opt.textContent.replace(/\s*\(\d+\)\s*$/, '') : '';
    };
    var syncKey = function (li) {
      var type = part(li, 'key-type').value;
      li.className = li.className.replace(/\bkey-(empty|line|blf|speeddial)\b/, 'key-' + (type || 'empty'));
      var name = type === 'blf' ? colleagueName(li) : '';
      var label = part(li, 'key-label');
      label.placeholder = name || label.dataset.placeholder || '';
      part(li, 'key-face').textContent = label.value || name;
    };
    var read = function (li) {
      return { type: part(li, 'key-type').value, blf: part(li, 'key-blf').value, value: part(li, 'key-value').value, label: part(li, 'key-label').value };
    };
    var write = function (li, v) {
      part(li, 'key-type').value = v.type;
      part(li, 'key-blf').value = v.blf;
      part(li, 'key-value').value = v.value;
      part(li, 'key-label').value = v.label;
      li.classList.remove('has-error');
      syncKey(li);
    };
    var markDirty = function () { if (dirtyBadge) dirtyBadge.hidden = false; };
    var move = function (from, to) {
      if (to < 0 || to >= keyItems.length || from === to) return false;
      var values = keyItems.map(read);
      var moved = values.splice(from, 1)[0];
      values.splice(to, 0, moved);
      keyItems.forEach(function (li, i) { write(li, values[i]); });
      markDirty();
      if (live) live.textContent = (keysForm.dataset.movedText || '').replace('{position}', String(to + 1)).replace('{count}', String(keyItems.length));
      return true;
    };
    keyItems.forEach(function (li) {
      var handle = part(li, 'key-handle');
      handle.hidden = false;
      ['key-type', 'key-blf', 'key-value', 'key-label'].forEach(function (c) {
        part(li, c).addEventListener('input', function () { syncKey(li); markDirty(); });
        part(li, c).addEventListener('change', function () { syncKey(li); markDirty(); });
      });
      syncKey(li);
    });
    // ▲ ▼: move in the page, focus follows the key.
    keysForm.addEventListener('click', function (e) {
      var b = e.target.closest && e.target.closest('button[name="move"]');
      if (!b) return;
      e.preventDefault();
      var i = keyItems.indexOf(b.closest('.key'));
      var to = b.classList.contains('key-up') ? i - 1 : i + 1;
      if (move(i, to)) part(keyItems[to], b.classList.contains('key-up') ? 'key-up' : 'key-down').focus();
    });
    // The handle: arrow keys, Home and End move the key; focus follows it.
    keysForm.addEventListener('keydown', function (e) {
      var h = e.target.closest && e.target.closest('.key-handle');
      if (!h) return;
      var i = keyItems.indexOf(h.closest('.key'));
      var to = e.key === 'ArrowUp' || e.key === 'ArrowLeft' ? i - 1 : e.key === 'ArrowDown' || e.key === 'ArrowRight' ? i + 1 : e.key === 'Home' ? 0 : e.key === 'End' ? keyItems.length - 1 : null;
      if (to === null) return;
      e.preventDefault();
      if (move(i, to)) part(keyItems[to], 'key-handle').focus();
    });
    // Drag by the handle (pointer events: mouse, pen and touch alike).
    var drag = null;
    var keyAt = function (x, y) {
      var el = document.elementFromPoint(x, y);
      var li = el && el.closest ? el.closest('.key') : null;
      return li && keyItems.indexOf(li) >= 0 ? li : null;
    };
    var clearTarget = function () { keyItems.forEach(function (li) { li.classList.remove('drop-target'); }); };
    keysForm.addEventListener('pointerdown', function (e) {
      var h = e.target.closest && e.target.closest('.key-handle');
      if (!h || e.button > 0) return;
      e.preventDefault();
      drag = { from: keyItems.indexOf(h.closest('.key')), id: e.pointerId };
      keyItems[drag.from].classList.add('dragging');
      if (h.setPointerCapture) h.setPointerCapture(e.pointerId);
      h.focus();
    });
    keysForm.addEventListener('pointermove', function (e) {
      if (!drag || e.pointerId !== drag.id) return;
      clearTarget();
      var li = keyAt(e.clientX, e.clientY);
      if (li && keyItems.indexOf(li) !== drag.from) li.classList.add('drop-target');
    });
    var endDrag = function (e, drop) {
      if (!drag || e.pointerId !== drag.id) return;
      var from = drag.from;
      keyItems[from].classList.remove('dragging');
      clearTarget();
      drag = null;
      var li = drop ? keyAt(e.clientX, e.clientY) : null;
      var to = li ? keyItems.indexOf(li) : -1;
      if (to >= 0 && move(from, to)) part(keyItems[to], 'key-handle').focus();
    };
    keysForm.addEventListener('pointerup', function (e) { endDrag(e, true); });
    keysForm.addEventListener('pointercancel', function (e) { endDrag(e, false); });
  }

  // Forms that destroy something ask first.
  document.querySelectorAll('form[data-confirm]').forEach(function (form) {
    form.addEventListener('submit', function (e) {
      if (!window.confirm(form.dataset.confirm)) e.preventDefault();
    });
  });

  // Progress bars get their width from a data attribute (no inline style under the CSP).
  var setBars = function () {
    document.querySelectorAll('.progress-bar[data-width]').forEach(function (bar) {
      bar.style.width = Math.max(0, Math.min(100, Number(bar.dataset.width) || 0)) + '%';
    });
  };
  setBars();

  // Resync job page: poll the job while a phone is on its way, or has accepted and not re-read its
  // configuration yet (then its row goes on to "Configuration relue").
  var job = document.getElementById('job');
  if (job && job.dataset.watch) {
    var url = job.dataset.jobUrl;
    var polls = 0;
    var text = function (tag, cls, value) {
      var el = document.createElement(tag);
      if (cls) el.className = cls;
      el.textContent = value;
      return el;
    };
    var tick = function () {
      fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (j) {
          if (!j) return;
          document.getElementById('job-done').textContent = j.done;
          document.getElementById('job-total').textContent = j.total;
          document.getElementById('job-state').textContent = j.stateLabel;
          var bar = job.querySelector('.progress-bar');
          bar.dataset.width = j.percent;
          bar.className = 'progress-bar outcome-' + j.outcome;
          job.querySelector('.progress').setAttribute('aria-valuenow', j.percent);
          var summary = document.getElementById('job-summary');
          summary.textContent = '';
          summary.appendChild(text('p', 'resync-counts', j.summary));
          if (j.waitingText) summary.appendChild(text('p', 'muted', j.waitingText));
          if (j.failures.length) {
            summary.appendChild(text('p', 'resync-failures-title', job.dataset.failuresTitle || ''));
            var ul = text('ul', 'resync-failures', '');
            j.failures.forEach(function (f) { ul.appendChild(text('li', '', f.n + ' × ' + f.text)); });
            summary.appendChild(ul);
          }
          var body = document.getElementById('job-targets');
          // Column names label each cell, so rows read as cards at phone width.
          var heads = Array.prototype.map.call(job.querySelectorAll('thead th'), function (th) { return th.textContent; });
          body.textContent = '';
          j.targets.forEach(function (t) {
            var tr = document.createElement('tr');
            [null, t.stateLabel, t.code == null ? '' : String(t.code), t.reason || ''].forEach(function (v, i) {
              var td = document.createElement('td');
              var cell = text('span', 'cell', '');
              if (i === 0) {
                cell.appendChild(text('strong', '', t.who));
                cell.appendChild(document.createTextNode(' '));
                cell.appendChild(text('span', 'muted small', t.detail));
              } else if (i === 1) cell.appendChild(text('span', 'badge resync-' + t.state, v));
              else cell.textContent = v;
              if (heads[i]) td.setAttribute('data-label', heads[i]);
              td.appendChild(cell);
              tr.appendChild(td);
            });
            body.appendChild(tr);
          });
          setBars();
          // A retry is offered once nothing is on its way any more: reload to show it.
          if (!j.pending && j.failedMacs.length && !document.getElementById('job-retry') && job.dataset.canRetry) { window.location.reload(); return; }
          if (j.watch && ++polls < 600) setTimeout(tick, polls < 60 ? 1000 : 3000);
        })
        .catch(function () { if (++polls < 600) setTimeout(tick, 3000); });
    };
    tick();
  }
});
