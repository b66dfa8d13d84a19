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

  // Key layout: show the value field that fits the chosen key type.
  document.querySelectorAll('.key').forEach(function (key) {
    var type = key.querySelector('.key-type');
    var value = key.querySelector('.key-value');
    var label = key.querySelector('.key-value-label');
    if (!type || !value) return;
    var sync = function () {
      key.className = key.className.replace(/\bkey-(empty|line|blf|speeddial)\b/, 'key-' + (type.value || 'empty'));
      if (type.value === 'blf') value.setAttribute('list', 'colleagues');
      else value.removeAttribute('list');
      if (label) label.textContent = type.value === 'blf' ? value.dataset.labelBlf : value.dataset.labelSpeeddial;
    };
    type.addEventListener('change', sync);
    sync();
  });

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
