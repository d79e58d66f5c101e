package dev.sluice.server.internal;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * A JDK Flight Recorder event per API request, from the decoded request on the connection's event loop to its
 * response flushed to the socket: the server's own share of a call's latency, to set beside a client's timing of
 * the same call (issue 15's wire tail). Recorded only while a recording enables it, for example
 * {@code java -XX:StartFlightRecording=filename=server.jfr,settings=profile -jar sluice-server.jar ...}, then
 * {@code jfr print --events dev.sluice.server.Request server.jfr}; with no recording, creating and ending one costs
 * a few nanoseconds.
 *
 * <p>Confined to the thread that ends it after its creating thread handed it over through a future.
 */
@Name("dev.sluice.server.Request")
@Label("Sluice API Request")
@Category("Sluice")
@Description("One API request, from the decoded request to its response flushed")
@StackTrace(false)
final class RequestEvent extends Event {

    @Label("Target")
    @Description("X-Amz-Target, or the method and URI")
    String target;

    @Label("Status")
    int status;

    @Label("Until Response Ready")
    @Description("From the decoded request to the response on the event loop, ready to be written")
    @Timespan(Timespan.NANOSECONDS)
    long untilReady;
}
