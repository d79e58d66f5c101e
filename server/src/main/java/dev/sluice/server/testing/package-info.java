/**
 * Test support that users need too: {@link dev.sluice.server.testing.SluiceServerExtension}, a JUnit 5 extension
 * that gives a test class a {@link dev.sluice.server.SluiceServer} on a free port. Needs {@code junit-jupiter-api} on
 * the class path (an optional dependency of this artifact).
 */
package dev.sluice.server.testing;
