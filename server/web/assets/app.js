// cadran web cockpit: the little client script the pages need (CSP forbids inline scripts).
// Everything works without it; it only improves the forms and shows resync progress live.
'use strict';

document.addEventListener('DOMContentLoaded', function () {
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

  // Resync job page: poll the job until every phone has an outcome.
  var job = document.getElementById('job');
  if (job) {
    var url = job.dataset.jobUrl;
    var polls = 0;
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
          job.querySelector('.progress').setAttribute('aria-valuenow', j.percent);
          var body = document.getElementById('job-targets');
          body.textContent = '';
          j.targets.forEach(function (t) {
            var tr = document.createElement('tr');
            [t.mac, t.stateLabel, t.code == null ? '' : String(t.code), t.reason || ''].forEach(function (v, i) {
              var td = document.createElement('td');
              if (i === 1) {
                var b = document.createElement('span');
                b.className = 'badge resync-' + t.state;
                b.textContent = v;
                td.appendChild(b);
              } else td.textContent = v;
              if (i === 0) td.className = 'mono';
              tr.appendChild(td);
            });
            body.appendChild(tr);
          });
          setBars();
          if (j.done < j.total && ++polls < 600) setTimeout(tick, 1000);
        })
        .catch(function () { if (++polls < 600) setTimeout(tick, 3000); });
    };
    tick();
  }
});
