'use strict';
// The agent's status page: polls status.json and redraws the page in place. Every value from
// the agent goes into the DOM as text (textContent, attributes), never as markup.
(function () {
  const POLL_MS = 2000;
  const SVG = 'http://www.w3.org/2000/svg';
  const WIDTH = 120;
  const HEIGHT = 22;
  let polls = 0;

  function text(id, value) {
    document.getElementById(id).textContent = value;
  }

  function cell(row, value, className) {
    const td = document.createElement('td');
    if (value !== undefined) {
      td.textContent = value;
    }
    if (className) {
      td.className = className;
    }
    row.appendChild(td);
    return td;
  }

  function bytes(n) {
    if (n === null || n === undefined) {
      return '-';
    }
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) {
      n /= 1024;
      i++;
    }
    return (i === 0 ? n.toFixed(0) : n.toFixed(1)) + ' ' + units[i];
  }

  function cpus(n) {
    return n === null || n === undefined ? '-' : n.toFixed(2);
  }

  function duration(ms) {
    if (ms === null || ms === undefined || ms < 0) {
      return '-';
    }
    let s = Math.floor(ms / 1000);
    const d = Math.floor(s / 86400);
    s -= d * 86400;
    const h = Math.floor(s / 3600);
    s -= h * 3600;
    const m = Math.floor(s / 60);
    s -= m * 60;
    if (d > 0) {
      return d + 'd ' + h + 'h';
    }
    if (h > 0) {
      return h + 'h ' + m + 'm';
    }
    return m > 0 ? m + 'm ' + s + 's' : s + 's';
  }

  // An inline SVG sparkline of values (nulls are gaps), scaled to the limit when there is one.
  function sparkline(values, limit) {
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('class', 'spark');
    svg.setAttribute('width', String(WIDTH));
    svg.setAttribute('height', String(HEIGHT));
    svg.setAttribute('viewBox', '0 0 ' + WIDTH + ' ' + HEIGHT);
    const present = values.filter(v => v !== null);
    const top = Math.max(limit || 0, ...present, 1e-9);
    const x = i => (values.length < 2 ? 0 : (i * WIDTH) / (values.length - 1));
    const y = v => HEIGHT - 1 - (v / top) * (HEIGHT - 2);
    const points = [];
    values.forEach((v, i) => {
      if (v !== null) {
        points.push(x(i).toFixed(1) + ',' + y(v).toFixed(1));
      }
    });
    const line = document.createElementNS(SVG, 'polyline');
    line.setAttribute('points', points.join(' '));
    svg.appendChild(line);
    if (limit) {
      const cap = document.createElementNS(SVG, 'line');
      cap.setAttribute('x1', '0');
      cap.setAttribute('x2', String(WIDTH));
      cap.setAttribute('y1', y(limit).toFixed(1));
      cap.setAttribute('y2', y(limit).toFixed(1));
      svg.appendChild(cap);
    }
    svg.dataset.points = String(points.length);
    return svg;
  }

  function usage(row, values, limit, format, kind) {
    const td = cell(row, undefined, 'usage ' + kind);
    const current = values.length ? values[values.length - 1] : null;
    const label = document.createElement('span');
    label.textContent = format(current) + (limit ? ' / ' + format(limit) : '');
    td.appendChild(label);
    td.appendChild(sparkline(values, limit));
  }

  function link(td, id, name) {
    const a = document.createElement('a');
    a.href = 'files/download?path=' + encodeURIComponent('/containers/' + id + '/' + name);
    a.textContent = name;
    a.className = name;
    td.appendChild(a);
    td.appendChild(document.createTextNode(' '));
  }

  function termination(t) {
    if (!t) {
      return '';
    }
    const parts = [t.state, t.reason, t.status === undefined ? undefined : 'status ' + t.status, t.message];
    return parts.filter(p => p !== undefined && p !== '').join(', ');
  }

  function row(c, now) {
    const tr = document.createElement('tr');
    tr.dataset.id = c.id;
    tr.dataset.state = c.state;
    cell(tr, c.id, 'id');
    cell(tr, c.state, 'state state-' + c.state);
    cell(tr, c.started === null ? '-' : duration(now - c.started), 'age');
    usage(tr, c.history.cpus, c.limits.cpus, cpus, 'cpu');
    usage(tr, c.history.mem_bytes, c.limits.mem_bytes, bytes, 'mem');
    usage(tr, c.history.disk_bytes, c.limits.disk_bytes, bytes, 'disk');
    cell(tr, termination(c.termination), 'termination');
    const files = cell(tr, undefined, 'files');
    link(files, c.id, 'stdout');
    link(files, c.id, 'stderr');
    return tr;
  }

  function render(status) {
    const agent = status.agent;
    text('hostname', agent.hostname);
    text('version', agent.corral_version);
    text('mesos-version', agent.mesos_version);
    text('health', agent.health);
    document.getElementById('health').className = agent.health;
    text('uptime', duration(status.now - agent.start_time));
    text('updated', new Date(status.now).toISOString());
    text('interval', duration(status.sample_interval_ms));
    // the flags are left out for a caller the view_flags ACL refuses
    document.getElementById('flags-box').hidden = !status.flags;
    const names = Object.keys(status.flags || {}).sort();
    text('flag-count', String(names.length));
    document.querySelector('#flags tbody').replaceChildren(...names.map(name => {
      const tr = document.createElement('tr');
      cell(tr, name);
      cell(tr, status.flags[name]);
      return tr;
    }));
    text('container-count', String(status.containers.length));
    document.querySelector('#containers tbody')
      .replaceChildren(...status.containers.map(c => row(c, status.now)));
    document.getElementById('no-containers').hidden = status.containers.length > 0;
    document.body.dataset.polls = String(++polls);
  }

  async function poll() {
    const error = document.getElementById('error');
    try {
      const response = await fetch('status.json', { credentials: 'same-origin', cache: 'no-store' });
      if (!response.ok) {
        throw new Error('status.json answered ' + response.status);
      }
      render(await response.json());
      error.hidden = true;
    } catch (e) {
      error.textContent = 'Failed to refresh: ' + e.message;
      error.hidden = false;
    } finally {
      setTimeout(poll, POLL_MS);
    }
  }

  document.addEventListener('DOMContentLoaded', poll);
})();
