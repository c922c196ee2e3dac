// Package relay turns the lifecycle topic's events into HTTP calls, for
// teams with no Kafka code (provisioning tools, Okta or Entra workflows,
// ServiceNow, an internal API): it is the logic of cmd/ukgpro-relay.
//
// Learn [Config] and [Route] first, then [Relay.Run].
//
// Each event is a CloudEvents HTTP binary-mode POST to every route its type
// (and company) matches: the event JSON as the body, ce-id, ce-type,
// ce-source, ce-subject, ce-time as headers, its ce_id as Idempotency-Key,
// optionally an HMAC-SHA256 signature of the body ([SignatureHeader]) and a
// bearer token.
//
// Delivery is at least once, in order per employee:
//
//   - The relay is a consumer group member; a partition's events are read in
//     offset order. One employee's events (one key) are delivered one at a
//     time, the next only after the previous was delivered or
//     dead-lettered, so a later event never overtakes an earlier one; other
//     employees' events proceed meanwhile, up to RELAY_IN_FLIGHT calls at
//     once, so a failing employee (or a failing route) blocks no one else.
//   - 5xx, 408, 429 and timeouts are retried with exponential backoff and
//     jitter, honouring Retry-After; another 4xx (or a 3xx) is final and
//     the event goes to the relay DLQ (ukgpro.relay-dlq) with the status and
//     the start of the response body; an event still failing after
//     RELAY_RETRY_FOR goes there too.
//   - An offset is committed only when every event before it is delivered or
//     durably dead-lettered. After a crash the uncommitted events are
//     delivered again with the same Idempotency-Key, which receivers use to
//     act once.
//   - On SIGTERM no new call starts; calls in flight finish (up to
//     RELAY_SHUTDOWN_GRACE), what is finished is committed, the relay leaves
//     the group.
//
// Route URLs, the signing key and the token are secrets: they appear in no
// log line, error, metric label or dead letter (routes are named).
package relay
