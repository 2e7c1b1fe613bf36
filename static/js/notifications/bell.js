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
    snapshot: (data) => {
      show(data.unread);
      bell.dataset.live = "1"; // subscribed: counts now come from the server as they change
    },
    delta: (data) => show(data.unread),
  });
}
