package dev.sluice.server.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The first handler of every connection: closes connections that take too long to send a request's headers, that
 * sit idle, or that would go over the server's connection cap.
 *
 * <p>Rules:
 * <ul>
 *   <li><b>Header timeout</b> (HTTP/1.1): from the connection's accept, and from the first byte of each later
 *       request, the request's headers must be complete within the timeout. It is a deadline, not reset by
 *       trickled bytes, so a client sending one header byte at a time cannot hold the connection. It also bounds a
 *       TLS handshake. Once a connection speaks HTTP/2 (prior knowledge, {@code h2c} upgrade or ALPN {@code h2})
 *       only the idle rule applies: its streams are multiplexed and Netty's codec bounds header sizes.</li>
 *   <li><b>Idle timeout</b>: a connection with no request in progress (none dispatched and waiting for its
 *       response or event stream) and no byte read or written for the timeout is closed. A slow operation (a put
 *       waiting for shard capacity, a SubscribeToShard) never counts as idle.</li>
 *   <li><b>Connection cap</b>: a connection accepted beyond the cap is closed at once; the client sees a closed
 *       connection and retries (the AWS SDKs do).</li>
 * </ul>
 *
 * <p>Threading: all state is confined to the connection's event loop; {@link #requestDispatched} and
 * {@link #responseFinished} may be called from any thread (they hop onto it). HTTP/2 stream channels share their
 * connection's event loop and find the guard through {@link #of(Channel)}. Time is Netty's scheduler (monotonic
 * nanoTime); these network timeouts are not driven by the engine's ticker.
 */
final class ConnectionGuard extends ChannelDuplexHandler {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);

    /** Open connections of one server, against its cap. */
    static final class Limit {
        private final int max;
        private final AtomicInteger open = new AtomicInteger();

        Limit(int max) {
            this.max = max;
        }

        boolean tryAcquire() {
            if (open.incrementAndGet() > max) {
                open.decrementAndGet();
                return false;
            }
            return true;
        }

        void release() {
            open.decrementAndGet();
        }

        int open() {
            return open.get();
        }
    }

    private final long headerTimeoutNanos;
    private final long idleTimeoutNanos;
    private final Limit limit;
    private ChannelHandlerContext ctx;
    private boolean counted;
    private boolean http2;
    private ScheduledFuture<?> headerDeadline;
    private ScheduledFuture<?> idleCheck;
    private long lastActivityNanos;
    /** HTTP/1.1 request heads read whose request was not dispatched yet (its body is still being read). */
    private int headsReading;
    /** Requests dispatched whose response (or event stream) has not finished. */
    private int inProgress;

    ConnectionGuard(Duration headerTimeout, Duration idleTimeout, Limit limit) {
        this.headerTimeoutNanos = headerTimeout.toNanos();
        this.idleTimeoutNanos = idleTimeout.toNanos();
        this.limit = limit;
    }

    /** The guard of the connection a channel (connection or HTTP/2 stream) belongs to, or {@code null}. */
    static ConnectionGuard of(Channel channel) {
        Channel connection = channel instanceof Http2StreamChannel && channel.parent() != null ? channel.parent()
                : channel;
        return connection.pipeline().get(ConnectionGuard.class);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (!limit.tryAcquire()) {
            LOG.debug("closing {}: the server's cap of {} connections is reached", ctx.channel(), limit.max);
            ctx.close();
            return;
        }
        counted = true;
        lastActivityNanos = System.nanoTime();
        armHeaderDeadline();
        scheduleIdleCheck(idleTimeoutNanos);
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancel(headerDeadline);
        cancel(idleCheck);
        headerDeadline = null;
        idleCheck = null;
        if (counted) {
            counted = false;
            limit.release();
        }
        super.channelInactive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        lastActivityNanos = System.nanoTime();
        if (!http2 && headerDeadline == null && headsReading == 0 && inProgress == 0) {
            armHeaderDeadline();
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        lastActivityNanos = System.nanoTime();
        super.write(ctx, msg, promise);
    }

    /** An HTTP/1.1 request's headers were read: the header deadline is met. Called on the event loop. */
    void headReceived() {
        if (http2) {
            return;
        }
        cancel(headerDeadline);
        headerDeadline = null;
        headsReading++;
    }

    /** The connection speaks HTTP/2 from now on. Called on the event loop. */
    void http2() {
        http2 = true;
        cancel(headerDeadline);
        headerDeadline = null;
        headsReading = 0;
    }

    /** A request was read completely and handed to an operation. */
    void requestDispatched() {
        onLoop(() -> {
            if (headsReading > 0) {
                headsReading--;
            }
            inProgress++;
        });
    }

    /** A response (or event stream) of a dispatched request ended. */
    void responseFinished() {
        onLoop(() -> {
            inProgress = Math.max(0, inProgress - 1);
            lastActivityNanos = System.nanoTime();
        });
    }

    private void onLoop(Runnable action) {
        if (ctx.executor().inEventLoop()) {
            action.run();
        } else {
            ctx.executor().execute(action);
        }
    }

    private void armHeaderDeadline() {
        headerDeadline = ctx.executor().schedule(() -> {
            headerDeadline = null;
            LOG.debug("closing {}: request headers not complete within {} ms", ctx.channel(),
                    TimeUnit.NANOSECONDS.toMillis(headerTimeoutNanos));
            ctx.close();
        }, headerTimeoutNanos, TimeUnit.NANOSECONDS);
    }

    private void scheduleIdleCheck(long delayNanos) {
        idleCheck = ctx.executor().schedule(this::checkIdle, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void checkIdle() {
        if (!ctx.channel().isActive()) {
            return;
        }
        if (inProgress > 0 || headerDeadline != null) {
            // Busy, or the header deadline governs: look again a full timeout later.
            scheduleIdleCheck(idleTimeoutNanos);
            return;
        }
        long idle = System.nanoTime() - lastActivityNanos;
        if (idle >= idleTimeoutNanos) {
            LOG.debug("closing {}: idle for {} ms", ctx.channel(), TimeUnit.NANOSECONDS.toMillis(idle));
            ctx.close();
        } else {
            scheduleIdleCheck(idleTimeoutNanos - idle);
        }
    }

    private static void cancel(ScheduledFuture<?> future) {
        if (future != null) {
            future.cancel(false);
        }
    }
}
