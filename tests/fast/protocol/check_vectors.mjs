// A second implementation of the wire protocol's crypto, in Node's WebCrypto, checked
// against every vector of docs/protocol-test-vectors.json. It shares nothing with the
// Python code (neither the server's nor the reference client's): it is written from
// docs/PROTOCOL.md, so a mistake both Python sides share still shows here.
//
//   node tests/fast/protocol/check_vectors.mjs [path/to/protocol-test-vectors.json]
//
// Exit status 0 when every check passes, 1 on any mismatch, 2 when it cannot run.
// No npm package: WebCrypto is `globalThis.crypto.subtle` (Node 19 and later); Node 18,
// Debian 12's, has the same implementation as `webcrypto` in node:crypto.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const subtle = globalThis.crypto?.subtle ?? (await import("node:crypto")).webcrypto.subtle;
const vectorsPath =
  process.argv[2] ??
  fileURLToPath(new URL("../../../docs/protocol-test-vectors.json", import.meta.url));

const failures = [];
let checks = 0;

function check(what, actual, expected) {
  checks += 1;
  if (actual !== expected) failures.push(`${what}: got ${actual}, expected ${expected}`);
}

function checkTrue(what, condition) {
  check(what, Boolean(condition), true);
}

const utf8 = new TextEncoder();
const fromHex = (hex) => new Uint8Array(Buffer.from(hex, "hex"));
const toHex = (bytes) => Buffer.from(bytes).toString("hex");
const toB64 = (bytes) => Buffer.from(bytes).toString("base64");

// Node's base64 decoder is lenient (it skips junk, padding optional), so a value is
// accepted only if encoding its bytes gives the very same text back: standard alphabet,
// `=` padding, no whitespace — what the protocol requires of every header.
function fromB64(what, text) {
  const bytes = new Uint8Array(Buffer.from(text, "base64"));
  check(`${what} is canonical standard base64`, toB64(bytes), text);
  return bytes;
}

function pemBody(pem) {
  const lines = pem.trim().split("\n");
  return new Uint8Array(Buffer.from(lines.slice(1, -1).join(""), "base64"));
}

function requestAad(v) {
  const lines = ["PLATFORM-V1", v.method, v.path, v.query, v.session_id, v.timestamp, v.nonce_b64];
  return utf8.encode(lines.join("\n"));
}

function responseAad(status, requestNonceB64, contentType) {
  return utf8.encode(["PLATFORM-V1-RESPONSE", String(status), requestNonceB64, contentType].join("\n"));
}

async function aesKey(keyHex) {
  return subtle.importKey("raw", fromHex(keyHex), "AES-GCM", false, ["encrypt", "decrypt"]);
}

async function seal(key, nonce, plaintext, aad) {
  const out = new Uint8Array(
    await subtle.encrypt({ name: "AES-GCM", iv: nonce, additionalData: aad, tagLength: 128 }, key, plaintext),
  );
  return { ciphertext: out.slice(0, out.length - 16), tag: out.slice(out.length - 16) };
}

async function opens(key, nonce, ciphertext, tag, aad) {
  const joined = new Uint8Array([...ciphertext, ...tag]);
  try {
    const plain = await subtle.decrypt(
      { name: "AES-GCM", iv: nonce, additionalData: aad, tagLength: 128 },
      key,
      joined,
    );
    return new Uint8Array(plain);
  } catch {
    return null;
  }
}

function flipBit(bytes) {
  const copy = new Uint8Array(bytes);
  copy[copy.length - 1] ^= 0x01;
  return copy;
}

function checkBytesFields(what, v, prefix) {
  check(`${what}: ${prefix}_b64 is ${prefix}_hex`, toB64(fromB64(`${what} ${prefix}_b64`, v[`${prefix}_b64`])), toB64(fromHex(v[`${prefix}_hex`])));
}

async function checkRequest(v, rsa) {
  const what = `request ${v.name}`;
  const aad = requestAad(v);
  check(`${what}: aad_hex`, toHex(aad), v.aad_hex);
  check(`${what}: aad_text`, new TextDecoder().decode(aad), v.aad_text);
  for (const prefix of ["key", "nonce", "ciphertext", "tag"]) checkBytesFields(what, v, prefix);
  const nonce = fromHex(v.nonce_hex);
  check(`${what}: nonce is 12 bytes`, nonce.length, 12);
  check(`${what}: nonce_b64`, toB64(nonce), v.nonce_b64);
  const plaintext = fromHex(v.plaintext_hex);
  check(`${what}: plaintext_text`, toHex(utf8.encode(v.plaintext_text)), v.plaintext_hex);
  const key = await aesKey(v.key_hex);
  const sealed = await seal(key, nonce, plaintext, aad);
  check(`${what}: ciphertext`, toHex(sealed.ciphertext), v.ciphertext_hex);
  check(`${what}: ciphertext as long as the plaintext`, sealed.ciphertext.length, plaintext.length);
  check(`${what}: tag`, toHex(sealed.tag), v.tag_hex);
  const opened = await opens(key, nonce, fromHex(v.ciphertext_hex), fromHex(v.tag_hex), aad);
  check(`${what}: opens to its plaintext`, opened && toHex(opened), v.plaintext_hex);
  const h = v.headers;
  check(`${what}: X-Nonce header`, h["X-Nonce"], v.nonce_b64);
  check(`${what}: X-Tag header`, h["X-Tag"], toB64(sealed.tag));
  check(`${what}: X-Timestamp header`, h["X-Timestamp"], v.timestamp);
  check(`${what}: Content-Type header`, h["Content-Type"], "application/octet-stream");
  check(`${what}: X-Session-Id header`, h["X-Session-Id"] ?? "", v.session_id);
  if (!v.session_id) {
    check(`${what}: X-Key-Id is the RSA vector's kid`, h["X-Key-Id"], rsa.kid);
    check(`${what}: X-Encrypted-Key is the RSA vector`, h["X-Encrypted-Key"], rsa.ciphertext_b64);
  }
  const tampered = await opens(key, nonce, fromHex(v.ciphertext_hex), fromHex(v.tag_hex), flipBit(aad));
  checkTrue(`${what}: a changed AAD does not open`, tampered === null);
}

async function checkResponse(v, requestsByName) {
  const what = `response ${v.name}`;
  const answered = requestsByName.get(v.answers);
  checkTrue(`${what}: answers a request of the file`, answered !== undefined);
  check(`${what}: request_nonce_b64 is the answered request's nonce`, v.request_nonce_b64, answered?.nonce_b64);
  const aad = responseAad(v.status, v.request_nonce_b64, v.content_type);
  check(`${what}: aad_hex`, toHex(aad), v.aad_hex);
  check(`${what}: aad_text`, new TextDecoder().decode(aad), v.aad_text);
  for (const prefix of ["key", "nonce", "ciphertext", "tag"]) checkBytesFields(what, v, prefix);
  const h = v.headers;
  check(`${what}: X-Content-Type header`, h["X-Content-Type"], v.content_type);
  check(`${what}: Content-Type header`, h["Content-Type"], "application/octet-stream");
  check(`${what}: X-Nonce header`, h["X-Nonce"], v.nonce_b64);
  check(`${what}: X-Tag header`, h["X-Tag"], v.tag_b64);
  const key = await aesKey(v.key_hex);
  const nonce = fromB64(`${what} X-Nonce`, h["X-Nonce"]);
  const tag = fromB64(`${what} X-Tag`, h["X-Tag"]);
  const body = fromB64(`${what} ciphertext_b64`, v.ciphertext_b64);
  const opened = await opens(key, nonce, body, tag, aad);
  check(`${what}: opens to its plaintext`, opened && toHex(opened), v.plaintext_hex);
  check(`${what}: plaintext_text`, toHex(utf8.encode(v.plaintext_text)), v.plaintext_hex);
  const sealed = await seal(key, fromHex(v.nonce_hex), fromHex(v.plaintext_hex), aad);
  check(`${what}: the server's seal`, toHex(sealed.ciphertext) + toHex(sealed.tag), v.ciphertext_hex + v.tag_hex);
  const tampers = {
    body: [body.length ? flipBit(body) : body, tag, aad],
    tag: [body, flipBit(tag), aad],
    status: [body, tag, responseAad(v.status + 1, v.request_nonce_b64, v.content_type)],
    "request nonce": [body, tag, responseAad(v.status, requestsByName.get("login_request").nonce_b64, v.content_type)],
    "content type": [body, tag, responseAad(v.status, v.request_nonce_b64, "text/plain")],
  };
  for (const [part, [b, t, a]] of Object.entries(tampers)) {
    checkTrue(`${what}: a changed ${part} does not open`, (await opens(key, nonce, b, t, a)) === null);
  }
}

async function checkRsa(rsa, sessionKeyHex) {
  const what = "rsa_oaep";
  check(`${what}: alg`, rsa.alg, "RSA-OAEP-256");
  checkBytesFields(what, rsa, "ciphertext");
  checkBytesFields(what, rsa, "plaintext");
  const oaep = { name: "RSA-OAEP", hash: "SHA-256" }; // WebCrypto: MGF1 uses the same hash
  const privateKey = await subtle.importKey("pkcs8", pemBody(rsa.test_only_private_key_pem), oaep, true, ["decrypt"]);
  const publicKey = await subtle.importKey("spki", pemBody(rsa.public_key_pem), oaep, true, ["encrypt"]);
  check(`${what}: key size`, privateKey.algorithm.modulusLength, 3072);
  const ciphertext = fromB64(`${what} ciphertext_b64`, rsa.ciphertext_b64);
  check(`${what}: ciphertext is 384 bytes`, ciphertext.length, 384);
  const plain = new Uint8Array(await subtle.decrypt(oaep, privateKey, ciphertext));
  check(`${what}: decrypts to plaintext_hex`, toHex(plain), rsa.plaintext_hex);
  check(`${what}: the plaintext is the session key`, rsa.plaintext_hex, sessionKeyHex);
  const spki = new Uint8Array(await subtle.exportKey("spki", publicKey));
  const fingerprint = toHex(new Uint8Array(await subtle.digest("SHA-256", spki)));
  check(`${what}: fingerprint_sha256`, fingerprint, rsa.fingerprint_sha256);
  const [privateJwk, publicJwk] = [await subtle.exportKey("jwk", privateKey), await subtle.exportKey("jwk", publicKey)];
  check(`${what}: public_key_pem is the private key's public half`, privateJwk.n, publicJwk.n);
  const fresh = globalThis.crypto?.getRandomValues
    ? globalThis.crypto.getRandomValues(new Uint8Array(32))
    : (await import("node:crypto")).randomBytes(32);
  const wrapped = new Uint8Array(await subtle.encrypt(oaep, publicKey, fresh));
  const unwrapped = new Uint8Array(await subtle.decrypt(oaep, privateKey, wrapped));
  check(`${what}: a key encrypted with public_key_pem decrypts back`, toHex(unwrapped), toHex(fresh));
}

async function main() {
  let vectors;
  try {
    vectors = JSON.parse(readFileSync(vectorsPath, "utf8"));
  } catch (error) {
    console.error(`cannot read ${vectorsPath}: ${error.message}`);
    return 2;
  }
  const rsa = vectors.rsa_oaep;
  checkBytesFields("top level", vectors, "session_key");
  const requestsByName = new Map(vectors.requests.map((v) => [v.name, v]));
  for (const v of vectors.requests) await checkRequest(v, rsa);
  for (const v of vectors.responses) await checkResponse(v, requestsByName);
  await checkRsa(rsa, vectors.session_key_hex);
  const counted = `${vectors.requests.length} requests, ${vectors.responses.length} responses, 1 RSA vector`;
  if (failures.length) {
    for (const failure of failures) console.error(`MISMATCH ${failure}`);
    console.error(`${failures.length} of ${checks} checks failed (${counted}), node ${process.version}`);
    return 1;
  }
  console.log(`${checks} checks passed (${counted}), node ${process.version}`);
  return 0;
}

process.exitCode = await main();
