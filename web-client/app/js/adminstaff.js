// An event's named staff in the organiser console: add someone with a
// role, rename, change the role, revoke, re-issue. A personal link is
// returned only when it is made (add, re-issue): the console shows it
// once, in a dialog with a copy button, and never again.

import { el, tr } from './dom.js';
import { api, eventPath } from './adminapi.js';
import { busy, button, confirmAction, linkField, openDialog, say, showError } from './adminui.js';

/** @typedef {import('./protocol').StaffRole} StaffRole */
/** @typedef {{id: string, name: string, role: StaffRole, active: boolean, connected: number, link?: string}} Member */

/** @type {StaffRole[]} */
export const ROLES = ['chair', 'moderator', 'observer', 'official', 'clerk', 'screen'];

/**
 * A role picker.
 * @param {string} id
 * @param {StaffRole} [value]
 */
function roleSelect(id, value = 'moderator') {
  const select = el('select');
  select.id = id;
  for (const role of ROLES) {
    const option = el('option', '', tr(`staff.role.${role}`));
    option.value = role;
    option.selected = role === value;
    select.append(option);
  }
  return select;
}

/**
 * @param {ParentNode} root
 * @param {string} selector
 */
function focus(root, selector) {
  const node = root.querySelector(selector);
  if (node instanceof HTMLElement) node.focus();
}

export class StaffPane {
  /** @param {HTMLElement} root */
  constructor(root) {
    this.root = root;
    this.code = '';
    /** @type {Member[]} */
    this.members = [];
    /** @type {string | null} the member being edited */
    this.editing = null;
  }

  /** @param {string} code */
  async show(code) {
    this.code = code;
    this.editing = null;
    this.members = [];
    this.render();
    await this.reload();
  }

  async reload() {
    try {
      this.members = await api('GET', `${eventPath(this.code)}/staff`);
    } catch (err) {
      showError(err);
    }
    this.render();
  }

  render() {
    const heading = el('h2', '', tr('adm.staff.heading'));
    heading.id = 'staff-heading';
    const box = el('section', 'card block');
    box.setAttribute('aria-labelledby', 'staff-heading');
    box.append(heading, el('p', 'muted', tr('adm.staff.lead')));
    if (this.members.length) box.append(this.table());
    else box.append(el('p', 'empty', tr('adm.staff.empty')));
    this.root.replaceChildren(box, this.addForm(), this.roleHelp());
  }

  table() {
    const table = el('table', 'staff-table');
    const caption = el('caption', 'sr-only', tr('adm.staff.heading'));
    const head = el('tr');
    for (const key of /** @type {const} */ (['adm.staff.name', 'adm.staff.role', 'adm.staff.state', 'adm.staff.connected', 'adm.staff.actions'])) {
      const th = el('th', '', tr(key));
      th.scope = 'col';
      head.append(th);
    }
    const thead = el('thead');
    thead.append(head);
    const tbody = el('tbody');
    for (const m of this.members) tbody.append(this.editing === m.id ? this.editRow(m) : this.row(m));
    table.append(caption, thead, tbody);
    return table;
  }

  /** @param {Member} m */
  row(m) {
    const tr_ = el('tr');
    tr_.dataset.id = m.id;
    tr_.classList.toggle('revoked', !m.active);
    const name = el('th', 'staff-name', m.name);
    name.scope = 'row';
    const state = el('td');
    state.append(el('span', `chip ${m.active ? 'status-live' : 'status-hidden'}`, tr(m.active ? 'adm.staff.active' : 'adm.staff.revoked')));
    const actions = el('td', 'actions');
    const edit = button(tr('mod.act.edit'));
    edit.dataset.action = 'edit';
    edit.setAttribute('aria-label', `${tr('mod.act.edit')}: ${m.name}`);
    edit.addEventListener('click', () => {
      this.editing = m.id;
      this.render();
      focus(this.root, '#staff-edit-name');
    });
    const reissue = button(tr(m.active ? 'adm.staff.reissue' : 'adm.staff.restore'));
    reissue.dataset.action = 'reissue';
    reissue.setAttribute('aria-label', `${reissue.textContent}: ${m.name}`);
    reissue.addEventListener('click', () => this.reissue(m));
    actions.append(edit, reissue);
    if (m.active) {
      const revoke = button(tr('adm.staff.revoke'), 'btn quiet small danger');
      revoke.dataset.action = 'revoke';
      revoke.setAttribute('aria-label', `${tr('adm.staff.revoke')}: ${m.name}`);
      revoke.addEventListener('click', () => this.revoke(m));
      actions.append(revoke);
    }
    tr_.append(name, el('td', '', tr(`staff.role.${m.role}`)), state, el('td', 'num', String(m.connected)), actions);
    return tr_;
  }

  /** @param {Member} m */
  editRow(m) {
    const row = el('tr', 'editing');
    row.dataset.id = m.id;
    const nameCell = el('td');
    const name = el('input');
    name.id = 'staff-edit-name';
    name.type = 'text';
    name.maxLength = 80;
    name.value = m.name;
    name.setAttribute('aria-label', tr('adm.staff.name'));
    nameCell.append(name);
    const roleCell = el('td');
    const role = roleSelect('staff-edit-role', m.role);
    role.setAttribute('aria-label', tr('adm.staff.role'));
    roleCell.append(role);
    const actions = el('td', 'actions');
    actions.colSpan = 3;
    const save = button(tr('mod.act.save'), 'btn primary small');
    const cancel = button(tr('mod.act.cancel'));
    const error = el('p', 'form-error');
    error.hidden = true;
    error.setAttribute('role', 'alert');
    const done = () => {
      this.editing = null;
      this.render();
      focus(this.root, `tr[data-id="${m.id}"] [data-action="edit"]`);
    };
    save.addEventListener('click', () => busy(save, async () => {
      /** @type {{name?: string, role?: string}} */
      const change = {};
      if (name.value.trim() !== m.name) change.name = name.value.trim();
      if (role.value !== m.role) change.role = role.value;
      if (!change.name && !change.role) return done();
      try {
        await api('PATCH', `${eventPath(this.code)}/staff/${encodeURIComponent(m.id)}`, { json: change });
        say(tr('adm.staff.saved'));
        this.editing = null;
        await this.reload();
        done();
      } catch (err) {
        showError(err, error);
      }
    }));
    cancel.addEventListener('click', done);
    row.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') { e.preventDefault(); done(); }
      if (e.key === 'Enter' && e.target === name) { e.preventDefault(); save.click(); }
    });
    actions.append(save, cancel, error);
    row.append(nameCell, roleCell, actions);
    return row;
  }

  addForm() {
    const form = el('form', 'card block staff-add');
    form.id = 'staff-add';
    form.method = 'post';
    form.noValidate = true;
    const h = el('h2', '', tr('adm.staff.add'));
    h.id = 'staff-add-heading';
    form.setAttribute('aria-labelledby', h.id);
    const nameLabel = el('label', '', tr('adm.staff.name'));
    nameLabel.htmlFor = 'staff-name';
    const name = el('input');
    name.id = 'staff-name';
    name.type = 'text';
    name.maxLength = 80;
    name.required = true;
    name.autocomplete = 'off';
    const roleLabel = el('label', '', tr('adm.staff.role'));
    roleLabel.htmlFor = 'staff-role';
    const role = roleSelect('staff-role');
    const submit = el('button', 'btn primary', tr('adm.staff.add.submit'));
    submit.type = 'submit';
    submit.id = 'staff-add-submit';
    const error = el('p', 'form-error');
    error.id = 'staff-add-error';
    error.hidden = true;
    error.setAttribute('role', 'alert');
    const fields = el('div', 'add-fields');
    const f1 = el('div', 'field');
    f1.append(nameLabel, name);
    const f2 = el('div', 'field');
    f2.append(roleLabel, role);
    fields.append(f1, f2, submit);
    form.append(h, fields, error);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      error.hidden = true;
      if (!name.value.trim()) {
        error.textContent = tr('adm.staff.name.empty');
        error.hidden = false;
        name.focus();
        return;
      }
      busy(submit, async () => {
        try {
          /** @type {Member} */
          const added = await api('POST', `${eventPath(this.code)}/staff`, { json: { name: name.value.trim(), role: role.value } });
          await this.reload();
          await this.showLink(added, 'adm.staff.added');
          focus(this.root, '#staff-name');
        } catch (err) {
          showError(err, error);
        }
      });
    });
    return form;
  }

  roleHelp() {
    const box = el('section', 'card block role-help');
    const h = el('h2', '', tr('adm.staff.roles'));
    const dl = el('dl', 'facts');
    for (const role of ROLES) dl.append(el('dt', '', tr(`staff.role.${role}`)), el('dd', '', tr(`adm.role.${role}`)));
    box.append(h, dl);
    return box;
  }

  /**
   * The personal link, shown once.
   * @param {Member} m
   * @param {'adm.staff.added' | 'adm.staff.reissued'} key
   */
  async showLink(m, key) {
    if (!m.link) return;
    await openDialog({
      title: tr(key, { name: m.name }),
      body: [
        linkField('personal-link', tr('adm.staff.link', { name: m.name, role: tr(`staff.role.${m.role}`) }), m.link),
        el('p', 'notice', tr('adm.staff.once')),
      ],
      ok: tr('adm.close'),
      cancel: null,
    });
  }

  /** @param {Member} m */
  async revoke(m) {
    const ok = await confirmAction(tr('adm.staff.revoke.title', { name: m.name }), tr('adm.staff.revoke.text'), tr('adm.staff.revoke'));
    if (!ok) return;
    try {
      await api('POST', `${eventPath(this.code)}/staff/${encodeURIComponent(m.id)}/revoke`);
      say(tr('adm.staff.revoked.done', { name: m.name }));
      await this.reload();
    } catch (err) {
      showError(err);
    }
  }

  /** @param {Member} m */
  async reissue(m) {
    const ok = await confirmAction(tr('adm.staff.reissue.title', { name: m.name }), tr('adm.staff.reissue.text'), tr('adm.staff.reissue'));
    if (!ok) return;
    try {
      /** @type {Member} */
      const again = await api('POST', `${eventPath(this.code)}/staff/${encodeURIComponent(m.id)}/reissue`);
      await this.reload();
      await this.showLink(again, 'adm.staff.reissued');
    } catch (err) {
      showError(err);
    }
  }
}
