// The header's bell: the signed-in user's unread count, live over the shared websocket ("notifications" stream).
import { Live } from "../lib/live.js";

const bell = document.querySelector("a.bell[data-user]");
const badge = bell && bell.querySelector("[data-bell-count]");

function show(unread) {
  if (!badge) return;
  badge.textContent = String(unread);
  badge.hidden = !unread;
  bell.classList.toggle("bell-unread", unread > 0);
}

if (bell) {
  const live = new Live();
  live.subscribe("notifications", { user: Number(bell.dataset.user) }, {
    snapshot: (data) => show(data.unread),
    delta: (data) => show(data.unread),
  });
}
