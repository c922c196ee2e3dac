// Package ukgpro is the UKG Pro (UltiPro) REST client of the extractor: it
// reads the personnel, configuration and payroll endpoints the topics are
// built from (ukgpro-api.md E2–E7, ukgpro-api-more.md C1–C4, C7, P1, P2, B1,
// B2, K1), page by page, and hands each row over exactly as UKG sent it.
//
// Learn [Client] and [Client.Pages] first: Pages yields [Page]s of [Record]s
// (raw JSON plus the row's company, employee and row ids, or a configuration
// row's code key) in page order
// while several pages are in flight, and ends at the end of the data however
// the tenant caps its pages; unpaged endpoints (org-levels, locations) are
// one request. [Endpoint] describes one endpoint (path, the permission group
// it needs, id casing, row and code keys, filter names); [Query] narrows a read
// with ids, UKG's date-operator filters ([After], [Before], [On],
// [Between]) or an employee-changes window.
//
// Transient failures (429 with Retry-After, 5xx, timeouts, connection
// resets, malformed pages) are retried with exponential backoff and jitter
// under a client-side rate limit; [IsRetryable] is the classification.
// 401 and 403 stop at once with [ErrUnauthorized]/[ErrForbidden]; a 403
// names the web service whose View role is missing. Credentials never
// appear in errors or logs: they live in [envconf.Secret] values and any
// server text echoed in an [APIError] is scrubbed of them.
//
// Left out: Kafka, PII handling and record typing (pkg/extract, pkg/pii,
// pkg/schema); endpoints no topic uses; writes. The tenant's clock, which
// incremental windows follow, is [Client.ServerTime].
package ukgpro
