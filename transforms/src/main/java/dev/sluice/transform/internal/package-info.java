/**
 * Machinery behind {@code dev.sluice.transform}: record stages, chain execution, the Lambda-contract check,
 * the runner engine and its ticker-driven scheduler. Not API: types here are public only so the API package can
 * reach them, and may change without notice.
 */
package dev.sluice.transform.internal;
