// Prefstream labeling UI. Model text is untrusted: it is only ever assigned with textContent.
(function () {
  'use strict';

  var token = '';
  var current = null;
  var busy = false;
  var idleTimer = null;

  function $(id) { return document.getElementById(id); }

  function setStatus(text) { $('status').textContent = text; }

  function api(method, path, body) {
    var init = { method: method, headers: { 'Authorization': 'Bearer ' + token } };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(path, init);
  }

  function errorText(response) {
    return response.json().then(function (j) { return j.error || ('HTTP ' + response.status); },
      function () { return 'HTTP ' + response.status; });
  }

  // "Team: 12 labels (alice 7, bob 5); agreement 80% on 5 pairs labeled twice; 20 more for the trainer's next step"
  function teamText(t) {
    if (!t) { return ''; }
    var names = Object.keys(t.by_labeler).sort();
    var text = 'Team: ' + t.labels + ' label' + (t.labels === 1 ? '' : 's');
    if (names.length) {
      text += ' (' + names.map(function (n) { return n + ' ' + t.by_labeler[n]; }).join(', ') + ')';
    }
    if (t.agreement !== null && t.agreement !== undefined) {
      text += '; agreement ' + Math.round(100 * t.agreement) + '% on ' + t.compared_pairs + ' pair'
        + (t.compared_pairs === 1 ? '' : 's') + ' of labels on one request';
    }
    if (t.labels_per_step) {
      text += '; ' + t.needed_for_next_step + ' more for the trainer\'s next step (it needs '
        + t.labels_per_step + ' per step)';
    }
    return text + '.';
  }

  function refreshCounter() {
    api('GET', '/api/v1/queue').then(function (r) {
      if (r.ok) {
        return r.json().then(function (q) {
          $('remaining').textContent = q.available + ' left for you (' + q.pending + ' pending, '
            + q.labeled + ' labeled by you)';
          $('team').textContent = teamText(q.team);
        });
      }
    }).catch(function () { /* the status line reports failures of the main calls */ });
  }

  function leaseText(until, held) {
    return (held ? 'Reserved for you until ' : 'Held for you until ')
      + new Date(until).toLocaleTimeString()
      + (held ? '' : '; it is kept longer once you click or press a key');
  }

  // The first interaction with a request asks the service to keep it for the full lease.
  function engage() {
    if (!current || current.engaged) { return; }
    current.engaged = true;
    var request = current;
    api('POST', '/api/v1/requests/' + encodeURIComponent(request.request_id) + '/lease').then(function (r) {
      if (r.ok && current === request) {
        return r.json().then(function (j) { $('lease').textContent = leaseText(j.lease_expires_at, true); });
      }
    }).catch(function () { /* answering still works while a slot is free */ });
  }

  function show(request) {
    current = request;
    current.shownAt = Date.now();
    $('prompt').textContent = request.prompt;
    $('completion-a').textContent = request.completions[0].text;
    $('completion-b').textContent = request.completions[1].text;
    $('rationale').value = '';
    document.querySelector('input[name="strength"][value=""]').checked = true;
    $('lease').textContent = leaseText(request.lease_expires_at, false);
    $('task').hidden = false;
    setStatus('Which completion is better?');
  }

  function loadNext() {
    if (idleTimer) { clearTimeout(idleTimer); idleTimer = null; }
    if (!token) { setStatus('Enter your labeler token to start.'); return; }
    api('GET', '/api/v1/requests/next').then(function (r) {
      if (r.status === 200) {
        return r.json().then(show);
      }
      current = null;
      $('task').hidden = true;
      if (r.status === 204) {
        setStatus('Nothing to label right now; checking again shortly.');
        idleTimer = setTimeout(loadNext, 5000);
        return;
      }
      return errorText(r).then(function (e) { setStatus('Cannot load work: ' + e); });
    }).catch(function (e) {
      setStatus('Cannot reach the labeler service: ' + e);
    }).then(refreshCounter);
  }

  function submit(choice) {
    if (!current || busy) { return; }
    busy = true;
    var body = { request_id: current.request_id, choice: choice };
    var strength = document.querySelector('input[name="strength"]:checked').value;
    if (strength !== '') { body.strength = Number(strength); }
    var rationale = $('rationale').value.trim();
    if (rationale !== '') { body.rationale = rationale; }
    setStatus('Saving…');
    api('POST', '/api/v1/labels', body).then(function (r) {
      if (r.status === 201) {
        setStatus('Saved.');
        loadNext();
        return;
      }
      return errorText(r).then(function (e) {
        setStatus('Not saved: ' + e);
        if (r.status === 404 || r.status === 409) { loadNext(); }
      });
    }).catch(function (e) {
      setStatus('Not saved, cannot reach the labeler service: ' + e);
    }).then(function () { busy = false; });
  }

  function useToken(value) {
    token = (value || '').trim();
    if (token) { sessionStorage.setItem('prefstream-token', token); }
    loadNext();
  }

  document.addEventListener('DOMContentLoaded', function () {
    var params = new URLSearchParams(window.location.search);
    var fromUrl = params.get('token');
    if (fromUrl) {
      // Keep the token out of the address bar and history once read.
      params.delete('token');
      var rest = params.toString();
      history.replaceState(null, '', window.location.pathname + (rest ? '?' + rest : ''));
    }
    var initial = fromUrl || sessionStorage.getItem('prefstream-token') || '';
    $('token').value = initial;
    $('token-form').addEventListener('submit', function (e) {
      e.preventDefault();
      useToken($('token').value);
    });
    Array.prototype.forEach.call(document.querySelectorAll('.choices button'), function (b) {
      b.addEventListener('click', function () { submit(b.getAttribute('data-choice')); });
    });
    $('task').addEventListener('pointerdown', engage);
    $('task').addEventListener('focusin', engage);
    document.addEventListener('keydown', function (e) {
      engage();
      var tag = (e.target && e.target.tagName) || '';
      if (tag === 'TEXTAREA' || tag === 'INPUT' || e.ctrlKey || e.metaKey || e.altKey) { return; }
      var choice = { '1': 'A', '2': 'B', '3': 'TIE', '4': 'BOTH_BAD' }[e.key];
      if (choice) { e.preventDefault(); submit(choice); return; }
      if (e.key === 's' || e.key === 'c') {
        document.querySelector('input[name="strength"][value="' + (e.key === 's' ? '0.5' : '1') + '"]').checked = true;
      }
    });
    if (initial) { useToken(initial); }
  });
}());
