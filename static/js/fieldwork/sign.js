// Signing on the phone (README "Signed field evidence"). Each officer's phone makes its own ECDSA P-256 key with
// WebCrypto; the private half is non-extractable and stays in this browser's IndexedDB, the public half is
// registered with the server (the phone proves it holds the key by signing the registration). Every visit is
// signed when it is saved — offline too — over its canonical JSON, and the signature travels with it.
//
// Canonical JSON (RFC 8785): object keys sorted by UTF-16 code units, no whitespace, numbers and strings as
// JSON.stringify writes them; apps/evidence/canonical.py makes the same bytes on the server.

export const ALGORITHM = { name: "ECDSA", namedCurve: "P-256" };
const SIGNING = { name: "ECDSA", hash: "SHA-256" };
export const VISIT_FORMAT = "cityops-visit/1";
// Not signed: the signature itself, the time of each try (set anew on every retry), and the contact of people
// met (personal data, never part of an evidence package).
const UNSIGNED = new Set(["signature", "sent_at", "people_contact"]);

export function canonical(value) {
  if (value === null || typeof value !== "object") {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`${typeof value} is not a JSON value`);
    return text;
  }
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? "null" : canonical(item))).join(",")}]`;
  const keys = Object.keys(value).filter((key) => value[key] !== undefined).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(",")}}`;
}

// Signing needs WebCrypto, which browsers give only to secure pages (HTTPS, or this machine).
export const available = () => Boolean(window.isSecureContext && window.crypto && crypto.subtle);

const base64 = (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer)));
const hex = (buffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");

// A new key for this phone: the pair (kept in IndexedDB as it is: the private key cannot be read out), the
// public key as base64 DER and its fingerprint (SHA-256 of the DER, hex).
export async function keyMake() {
  const pair = await crypto.subtle.generateKey(ALGORITHM, false, ["sign", "verify"]);
  const der = await crypto.subtle.exportKey("spki", pair.publicKey);
  return { pair, public_key: base64(der), key_id: hex(await crypto.subtle.digest("SHA-256", der)) };
}

export async function sign(privateKey, text) {
  return base64(await crypto.subtle.sign(SIGNING, privateKey, new TextEncoder().encode(text)));
}

// What the phone signs to register its key: its officer, the key, what the phone is, the phone's time.
export async function registration(key, officer, label) {
  const statement = { format: "cityops-device/1", officer: Number(officer), public_key: key.public_key, label,
    created_at: new Date().toISOString() };
  const signature = await sign(key.pair.privateKey, canonical(statement));
  return { public_key: key.public_key, label, created_at: statement.created_at, signature };
}

// The visit as it goes to the server: the payload, its format, and the signature of all of it but UNSIGNED.
export async function visitSigned(key, payload) {
  const body = { ...payload, format: VISIT_FORMAT };
  const signed = Object.fromEntries(Object.entries(body).filter(([name]) => !UNSIGNED.has(name)));
  const value = await sign(key.pair.privateKey, canonical(signed));
  return { ...body, signature: { alg: "ES256", key: key.key_id, value } };
}

// "Android 14 · Chrome 131": what the officer and their supervisor recognise the phone by. The system is looked
// for in this order (an Android phone's agent also says "Linux", an iPad's "Mac OS X").
const SYSTEMS = [[/Android [\d.]+/, (m) => m], [/(?:iPhone|CPU) OS ([\d_]+)/, (m, v) => `iOS ${v.replace(/_/g, ".")}`],
  [/HarmonyOS|OpenHarmony/, (m) => m], [/Windows NT [\d.]+/, (m) => m.replace("Windows NT", "Windows")],
  [/Mac OS X [\d_]+/, (m) => m.replace("Mac OS X", "macOS").replace(/_/g, ".")], [/Linux/, (m) => m]];
export function deviceLabel(agent = navigator.userAgent) {
  let system = "";
  for (const [pattern, name] of SYSTEMS) {
    const found = agent.match(pattern);
    if (found) { system = name(found[0], found[1]); break; }
  }
  const browser = (agent.match(/(?:EdgA?|MicroMessenger|UCBrowser|HuaweiBrowser|MiuiBrowser|Firefox|CriOS|Chrome|Version(?=.*Safari))\/\d+/) || [""])[0]
    .replace("Version", "Safari").replace("CriOS", "Chrome").replace("EdgA", "Edge").replace("/", " ");
  return [system, browser].filter(Boolean).join(" · ").slice(0, 120);
}
