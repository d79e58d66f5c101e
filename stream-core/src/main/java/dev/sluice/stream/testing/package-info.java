/**
 * Test support that users need too: a {@link dev.sluice.stream.testing.ManualClock} to drive
 * throttling, retention and iterator expiry in virtual time.
 */
package dev.sluice.stream.testing;
