/**
 * The Sluice server: the Amazon Kinesis Data Streams and Amazon Data Firehose wire APIs over HTTP, so that the
 * AWS SDKs talk to a Sluice engine unchanged. {@link dev.sluice.server.SluiceServer} starts one in process;
 * {@link dev.sluice.server.testing.SluiceServerExtension} gives a JUnit 5 test an endpoint; {@code java -jar
 * sluice-server.jar} runs one stand-alone. Everything else lives in {@code dev.sluice.server.internal}.
 */
package dev.sluice.server;
