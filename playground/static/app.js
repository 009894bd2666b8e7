// The playground page: chats side by side, fed live by server-sent events. Text from the bot
// or from people is only ever put in the page as text nodes; formatting comes from Telegram's
// entities, turned into an allow-list of elements. Nothing is parsed as HTML.
"use strict";

const chats = new Map(); // chat_id -> chat state
let places = [];

// -- talking to the server ---------------------------------------------------------------------
async function api(path, body, isForm = false) {
  const options = { method: body === undefined ? "GET" : "POST", headers: {} };
  if (body !== undefined) {
    options.headers["X-Playground"] = "1";
    if (isForm) {
      options.body = body;
    } else {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
  }
  const response = await fetch(path, options);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    toast(data.error || "Something went wrong; try again.");
    return null;
  }
  return data;
}

let toastTimer = null;
function toast(text, long = false) {
  const box = document.getElementById("toast");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, long ? 6000 : 3000);
}

// -- Telegram entities to elements -------------------------------------------------------------
const SAFE_LINK = /^(https?|tg):\/\//i;

function elementFor(entity, text, chat) {
  const part = text.slice(entity.offset, entity.offset + entity.length);
  switch (entity.type) {
    case "bold": return document.createElement("b");
    case "italic": return document.createElement("i");
    case "underline": return document.createElement("u");
    case "strikethrough": return document.createElement("s");
    case "code": return document.createElement("code");
    case "pre": return document.createElement("pre");
    case "blockquote":
    case "expandable_blockquote": return document.createElement("blockquote");
    case "spoiler": {
      const span = document.createElement("span");
      span.className = "spoiler";
      span.tabIndex = 0;
      span.title = "Show the hidden text";
      const reveal = () => span.classList.add("revealed");
      span.addEventListener("click", reveal);
      span.addEventListener("keydown", (e) => { if (e.key === "Enter") reveal(); });
      return span;
    }
    case "text_link":
    case "url": {
      const href = entity.type === "url" ? part : entity.url;
      if (typeof href !== "string" || !SAFE_LINK.test(href)) return document.createElement("span");
      const link = document.createElement("a");
      link.href = href;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      return link;
    }
    case "bot_command": {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "command";
      button.addEventListener("click", () => sendText(chat, part));
      return button;
    }
    default: return document.createElement("span");
  }
}

// Telegram's apps make a /command in a message tappable; so does the page (not in code).
const COMMAND = /(^|\s)(\/[a-z][a-z0-9_]{0,31})(?=$|[\s.,;:!?)])/g;

function appendPlain(parent, part, chat, literal) {
  if (literal || !chat.info.speakers.length) {
    parent.append(part);
    return;
  }
  let last = 0;
  for (const match of part.matchAll(COMMAND)) {
    const start = match.index + match[1].length;
    parent.append(part.slice(last, start));
    const button = document.createElement("button");
    button.type = "button";
    button.className = "command";
    button.textContent = match[2];
    button.addEventListener("click", () => sendText(chat, match[2]));
    parent.append(button);
    last = start + match[2].length;
  }
  parent.append(part.slice(last));
}

function renderText(text, entities, chat) {
  const fragment = document.createDocumentFragment();
  const build = (start, end, list, parent, literal) => {
    let pos = start;
    let i = 0;
    while (i < list.length) {
      const entity = list[i];
      if (entity.offset < pos) { i += 1; continue; }
      if (entity.offset > pos) appendPlain(parent, text.slice(pos, entity.offset), chat, literal);
      const stop = Math.min(entity.offset + entity.length, end);
      const inner = [];
      let j = i + 1;
      while (j < list.length && list[j].offset < stop) {
        if (list[j].offset + list[j].length <= stop) inner.push(list[j]);
        j += 1;
      }
      const element = elementFor(entity, text, chat);
      const verbatim = literal || ["code", "pre", "bot_command", "url", "text_link"].includes(entity.type);
      build(entity.offset, stop, inner, element, verbatim);
      parent.append(element);
      pos = stop;
      i = j;
    }
    if (pos < end) appendPlain(parent, text.slice(pos, end), chat, literal);
  };
  const sorted = [...entities].sort((a, b) => a.offset - b.offset || b.length - a.length);
  build(0, text.length, sorted, fragment, false);
  return fragment;
}

// -- chats -------------------------------------------------------------------------------------
const ROLE_NAMES = {
  resident: "resident", coordinator: "coordinator", admin: "admin",
  group: "coordinators' group", channel: "announcement channel",
};
const LANGUAGE_NAMES = { sv: "svenska", en: "English", es: "español", ar: "العربية" };

function addChat(info) {
  if (chats.has(info.chat_id)) return;
  const node = document.getElementById("chat-template").content.firstElementChild.cloneNode(true);
  const chat = {
    info, node, messages: new Map(), replyTo: null, keyboardFrom: 0,
    list: node.querySelector(".messages"),
  };
  node.dataset.chatId = String(info.chat_id);
  node.dataset.role = info.role;
  node.id = `chat-${String(info.chat_id).replace("-", "n")}`;
  node.setAttribute("aria-label", info.title);
  node.querySelector(".chat-title").textContent = info.title;
  node.querySelector(".chat-title").dir = "auto";
  const language = info.language ? ` · ${LANGUAGE_NAMES[info.language] || info.language}` : "";
  node.querySelector(".badge").textContent = `${ROLE_NAMES[info.role] || info.role}${language}`;
  node.querySelector(".text").setAttribute("aria-label", `Message as ${info.title}`);
  setUpComposer(chat);
  chats.set(info.chat_id, chat);
  document.getElementById("chats").append(node);
  addTab(chat);
}

function addTab(chat) {
  const tab = document.createElement("button");
  tab.type = "button";
  tab.className = "tab";
  tab.textContent = chat.info.title;
  tab.dir = "auto";
  tab.setAttribute("aria-controls", chat.node.id);
  tab.addEventListener("click", () => {
    chat.node.scrollIntoView({ behavior: "smooth", inline: "start", block: "nearest" });
    const input = chat.node.querySelector(".text");
    if (!input.disabled) input.focus({ preventScroll: true });
  });
  document.getElementById("tabs").append(tab);
}

function speakerId(chat) {
  const select = chat.node.querySelector(".speaker select");
  return select.value ? Number(select.value) : null;
}

function setUpComposer(chat) {
  const { node, info } = chat;
  const form = node.querySelector(".composer");
  if (info.speakers.length === 0) {
    form.hidden = true;
    const note = document.createElement("p");
    note.className = "muted readonly";
    note.textContent = "The bot posts here; nobody writes in this channel.";
    node.append(note);
    return;
  }
  const select = node.querySelector(".speaker select");
  for (const speaker of info.speakers) {
    const option = document.createElement("option");
    option.value = String(speaker.id);
    option.textContent = speaker.name;
    select.append(option);
  }
  node.querySelector(".speaker").hidden = info.speakers.length < 2;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = form.querySelector(".text");
    if (!input.value.trim()) return;
    const text = input.value;
    input.value = "";
    if (!(await sendText(chat, text))) input.value = text;
    input.focus();
  });
  node.querySelector(".replying-cancel").addEventListener("click", () => setReply(chat, null));
  node.querySelector(".photo").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    const data = new FormData();
    data.append("file", file);
    const caption = form.querySelector(".text").value;
    if (caption.trim()) data.append("caption", caption);
    if (speakerId(chat)) data.append("as", String(speakerId(chat)));
    if (chat.replyTo) data.append("reply_to", String(chat.replyTo));
    if (await api(`/api/chats/${info.chat_id}/photo`, data, true)) {
      form.querySelector(".text").value = "";
      closeAttach(chat);
      setReply(chat, null);
    }
    event.target.value = "";
  });
  node.querySelector(".voice").addEventListener("click", async () => {
    if (await post(chat, "voice", { reply_to: chat.replyTo })) { closeAttach(chat); setReply(chat, null); }
  });
  const placeSelect = node.querySelector(".place");
  for (const place of places) {
    const option = document.createElement("option");
    option.value = `${place.latitude},${place.longitude}`;
    option.textContent = place.name;
    placeSelect.append(option);
  }
  node.querySelector(".send-place").addEventListener("click", () => {
    const [latitude, longitude] = placeSelect.value.split(",").map(Number);
    shareLocation(chat, latitude, longitude);
  });
  node.querySelector(".send-coords").addEventListener("click", () => {
    const latitude = node.querySelector(".lat").value.replace(",", ".");
    const longitude = node.querySelector(".lon").value.replace(",", ".");
    shareLocation(chat, latitude, longitude);
  });
  node.querySelector(".send-contact").addEventListener("click", () => shareContact(chat));
}

function closeAttach(chat) { chat.node.querySelector(".attach").open = false; }

document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const open = event.target.closest && event.target.closest("details[open]");
  if (open) {
    open.open = false;
    open.querySelector("summary").focus();
  }
});

async function post(chat, what, body) {
  return api(`/api/chats/${chat.info.chat_id}/${what}`, { as: speakerId(chat), ...body });
}

async function sendText(chat, text) {
  const sent = await post(chat, "text", { text, reply_to: chat.replyTo });
  if (sent) setReply(chat, null);
  return sent;
}

async function shareLocation(chat, latitude, longitude) {
  if (await post(chat, "location", { latitude, longitude })) closeAttach(chat);
}

async function shareContact(chat) {
  const phone = chat.node.querySelector(".phone").value;
  if (await post(chat, "contact", { phone_number: phone })) closeAttach(chat);
}

function setReply(chat, messageId) {
  chat.replyTo = messageId;
  const bar = chat.node.querySelector(".replying");
  bar.hidden = messageId === null;
  if (messageId !== null) {
    const view = chat.messages.get(messageId);
    bar.querySelector(".replying-text").textContent = `↩ ${snippet(view)}`;
    chat.node.querySelector(".text").focus();
  }
}

function snippet(view) {
  if (!view) return "a message";
  const text = view.text || (view.file ? view.file.kind : view.location ? "location" : "contact");
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

// -- messages ----------------------------------------------------------------------------------
function upsert(view) {
  const chat = chats.get(view.chat_id);
  if (!chat) return;
  const old = chat.list.querySelector(`[data-message-id="${view.message_id}"]`);
  if (view.deleted) {
    chat.messages.delete(view.message_id);
    if (old) old.remove();
    return;
  }
  chat.messages.set(view.message_id, view);
  const item = renderMessage(chat, view);
  const list = chat.list;
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 48;
  if (old) {
    old.replaceWith(item);
  } else {
    const later = [...list.children].find((li) => Number(li.dataset.messageId) > view.message_id);
    list.insertBefore(item, later || null);
  }
  if (atBottom || !old) list.scrollTop = list.scrollHeight;
  if (view.reply_keyboard && view.message_id >= chat.keyboardFrom) {
    chat.keyboardFrom = view.message_id;
    showReplyKeyboard(chat, view.reply_keyboard);
  }
}

function renderMessage(chat, view) {
  const item = document.createElement("li");
  item.className = `msg ${view.from_bot ? "bot" : "person"}`;
  item.dataset.messageId = String(view.message_id);
  if (!view.from_bot && chat.info.kind !== "private") {
    const who = document.createElement("div");
    who.className = "sender";
    who.textContent = view.sender;
    item.append(who);
  }
  if (view.reply_to) {
    const quote = document.createElement("div");
    quote.className = "quote";
    quote.dir = "auto";
    quote.textContent = snippet(chat.messages.get(view.reply_to));
    item.append(quote);
  }
  if (view.file) item.append(renderFile(view.file));
  if (view.location) item.append(renderLocation(view.location));
  if (view.contact) {
    const contact = document.createElement("div");
    contact.className = "contact-card";
    contact.textContent = `👤 ${view.contact.first_name || ""} ${view.contact.phone_number}`;
    item.append(contact);
  }
  if (view.text) {
    const text = document.createElement("div");
    text.className = "text";
    text.dir = "auto";
    text.append(renderText(view.text, view.entities, chat));
    item.append(text);
  }
  if (view.buttons.length) item.append(renderButtons(chat, view));
  item.append(renderMeta(chat, view));
  return item;
}

function renderFile(file) {
  const url = `/api/files/${encodeURIComponent(file.file_id)}`;
  if (file.kind === "photo" || file.kind === "sticker") {
    const image = document.createElement("img");
    image.src = url;
    image.alt = file.kind === "photo" ? "Photo" : "Sticker";
    image.className = "photo";
    return image;
  }
  if (file.kind === "voice" || file.kind === "audio") {
    const audio = document.createElement("audio");
    audio.controls = true;
    audio.preload = "none";
    audio.src = url;
    audio.setAttribute("aria-label", "Voice note");
    return audio;
  }
  const link = document.createElement("a");
  link.href = url;
  link.className = "document";
  link.download = file.name || "file";
  link.textContent = `📄 ${file.name || file.kind}`;
  return link;
}

function renderLocation(location) {
  const link = document.createElement("a");
  const lat = Number(location.latitude).toFixed(5);
  const lon = Number(location.longitude).toFixed(5);
  link.href = `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=16/${lat}/${lon}`;
  link.target = "_blank";
  link.rel = "noopener noreferrer";
  link.className = "location-card";
  link.textContent = `📍 ${lat}, ${lon}`;
  return link;
}

function renderButtons(chat, view) {
  const keyboard = document.createElement("div");
  keyboard.className = "inline-keyboard";
  view.buttons.forEach((row, rowIndex) => {
    const line = document.createElement("div");
    line.className = "row";
    row.forEach((button, column) => {
      let element;
      if (button.url) {
        element = document.createElement("a");
        if (SAFE_LINK.test(button.url)) element.href = button.url;
        element.target = "_blank";
        element.rel = "noopener noreferrer";
      } else {
        element = document.createElement("button");
        element.type = "button";
        element.addEventListener("click", () => pressButton(chat, view, rowIndex, column, element));
      }
      element.className = "inline-btn";
      element.dir = "auto";
      element.textContent = button.text;
      line.append(element);
    });
    keyboard.append(line);
  });
  return keyboard;
}

function renderMeta(chat, view) {
  const meta = document.createElement("div");
  meta.className = "meta";
  const time = document.createElement("time");
  const date = new Date(view.date * 1000);
  time.dateTime = date.toISOString();
  time.textContent = date.toLocaleTimeString("sv-SE", { hour: "2-digit", minute: "2-digit" });
  meta.append(time);
  if (view.edited) {
    const edited = document.createElement("span");
    edited.className = "edited";
    edited.textContent = "edited";
    meta.append(" · ", edited);
  }
  if (chat.info.speakers.length) {
    const reply = document.createElement("button");
    reply.type = "button";
    reply.className = "reply";
    reply.textContent = "↩ Reply";
    reply.setAttribute("aria-label", `Reply to: ${snippet(view)}`);
    reply.addEventListener("click", () => setReply(chat, view.message_id));
    meta.append(" ", reply);
  }
  return meta;
}

async function pressButton(chat, view, row, column, element) {
  element.disabled = true;
  element.classList.add("pressed");
  const answer = await post(chat, "press", { message_id: view.message_id, row, column });
  element.disabled = false;
  element.classList.remove("pressed");
  if (answer && answer.text) toast(answer.text, answer.show_alert);
}

function showReplyKeyboard(chat, keyboard) {
  const box = chat.node.querySelector(".reply-keyboard");
  box.replaceChildren();
  box.hidden = keyboard.rows.length === 0;
  for (const row of keyboard.rows) {
    const line = document.createElement("div");
    line.className = "row";
    for (const button of row) {
      const element = document.createElement("button");
      element.type = "button";
      element.className = "reply-btn";
      element.dir = "auto";
      element.textContent = button.text;
      element.addEventListener("click", async () => {
        if (button.request_contact) await shareContact(chat);
        else if (button.request_location) {
          const [latitude, longitude] = chat.node.querySelector(".place").value.split(",").map(Number);
          await shareLocation(chat, latitude, longitude);
        } else await sendText(chat, button.text);
        if (keyboard.one_time) box.hidden = true;
      });
      line.append(element);
    }
    box.append(line);
  }
}

// -- scheduled jobs ----------------------------------------------------------------------------
const FIXED_JOBS = {
  "digest:weekly": "📰 Weekly digest",
  "pitches:flag-untaken": "🔔 Pitches nobody has taken",
  "housekeeping:stale-drafts": "🧹 Old drafts deleted",
};

function jobLabel(id) {
  if (FIXED_JOBS[id]) return FIXED_JOBS[id];
  const reminder = /^event:(\d+):remind:(\w+)$/.exec(id);
  if (reminder) return `⏰ Reminder ${reminder[2]} before event ${reminder[1]}`;
  const publish = /^event:(\d+):publish$/.exec(id);
  if (publish) return `📣 Event ${publish[1]} published`;
  return id;
}

async function loadJobs() {
  const data = await api("/api/jobs");
  if (!data) return;
  const list = document.getElementById("jobs-list");
  list.replaceChildren();
  if (data.jobs.length === 0) {
    const empty = document.createElement("li");
    empty.textContent = "No jobs are scheduled.";
    list.append(empty);
  }
  for (const job of data.jobs) {
    const item = document.createElement("li");
    item.className = "job";
    item.dataset.jobId = job.id;
    const name = document.createElement("span");
    name.className = "job-name";
    name.textContent = jobLabel(job.id);
    const code = document.createElement("code");
    code.textContent = job.id;
    const when = document.createElement("span");
    when.className = "when";
    when.textContent = job.next_run
      ? new Date(job.next_run).toLocaleString("sv-SE", { timeZone: "Europe/Stockholm" })
      : "paused";
    const run = document.createElement("button");
    run.type = "button";
    run.textContent = "Run now";
    run.setAttribute("aria-label", `Run ${job.id} now`);
    run.addEventListener("click", async () => {
      if (await api("/api/jobs/run", { id: job.id })) {
        toast(`${job.id} is running.`);
        setTimeout(loadJobs, 500);
      }
    });
    item.append(name, " ", code, " ", when, " ", run);
    list.append(item);
  }
}

// -- start -------------------------------------------------------------------------------------
async function start() {
  const state = await api("/api/state");
  if (!state) return;
  places = state.places;
  document.title = `Tillsammans playground · @${state.bot}`;
  state.chats.forEach(addChat);
  const events = new EventSource("/api/stream");
  let run = null;
  events.addEventListener("hello", (event) => {
    const current = JSON.parse(event.data).run;
    if (run !== null && run !== current) window.location.reload();
    run = current;
  });
  events.addEventListener("chats", (event) => JSON.parse(event.data).forEach(addChat));
  events.addEventListener("messages", (event) => JSON.parse(event.data).forEach(upsert));
  document.getElementById("jobs").addEventListener("toggle", (event) => {
    if (event.target.open) loadJobs();
  });
  document.getElementById("jobs-refresh").addEventListener("click", loadJobs);
  document.getElementById("add-resident-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const added = await api("/api/residents", {
      name: form.elements.name.value, language: form.elements.language.value,
    });
    if (added) {
      form.reset();
      toast("The resident is added; say hello with /start.");
    }
  });
}

start();
