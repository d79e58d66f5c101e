package dev.sluice.server.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.AsciiString;

import java.time.Duration;

/**
 * The connection pipelines. Every request, whatever the transport, ends as a {@code FullHttpRequest} in an
 * {@link ApiHttpHandler}:
 * <ul>
 *   <li>cleartext: HTTP/1.1, HTTP/1.1 with {@code Upgrade: h2c}, and HTTP/2 with prior knowledge (the connection
 *       preface is detected on the first bytes);</li>
 *   <li>TLS: ALPN picks {@code h2} or {@code http/1.1}.</li>
 * </ul>
 * HTTP/2 streams are child channels ({@link Http2MultiplexHandler}), each with its own aggregator and handler.
 * Request headers are limited by Netty's defaults (8 KiB) and bodies by {@code maxRequestBytes}. Every connection
 * starts with its {@link ConnectionGuard} (header timeout, idle timeout, connection cap).
 */
final class ServerChannels extends ChannelInitializer<SocketChannel> {

    /** Largest HTTP/2 stream window the server grants: 1 MiB, enough for the SDK's 1 MiB PutRecord. */
    static final int HTTP2_INITIAL_WINDOW = 1 << 20;
    /** Concurrent HTTP/2 streams per connection; the AWS SDK's netty client opens up to its maxConcurrency. */
    static final int HTTP2_MAX_STREAMS = 1_000;

    private final ApiDispatcher dispatcher;
    private final int maxRequestBytes;
    private final SslContext ssl;
    private final Duration requestHeaderTimeout;
    private final Duration idleTimeout;
    private final ConnectionGuard.Limit connections;

    ServerChannels(ApiDispatcher dispatcher, int maxRequestBytes, SslContext ssl, Duration requestHeaderTimeout,
                   Duration idleTimeout, int maxConnections) {
        this.dispatcher = dispatcher;
        this.maxRequestBytes = maxRequestBytes;
        this.ssl = ssl;
        this.requestHeaderTimeout = requestHeaderTimeout;
        this.idleTimeout = idleTimeout;
        this.connections = new ConnectionGuard.Limit(maxConnections);
    }

    /** Connections open now (for tests and diagnostics). */
    int openConnections() {
        return connections.open();
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ConnectionGuard guard = new ConnectionGuard(requestHeaderTimeout, idleTimeout, connections);
        ch.pipeline().addLast(guard);
        if (ssl != null) {
            ch.pipeline().addLast(ssl.newHandler(ch.alloc()));
            ch.pipeline().addLast(new ApplicationProtocolNegotiationHandler(ApplicationProtocolNames.HTTP_1_1) {
                @Override
                protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
                    if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                        guard.http2();
                        ctx.pipeline().addLast(http2FrameCodec(), http2Multiplexer());
                    } else {
                        ctx.pipeline().addLast(new HttpServerCodec(),
                                new LimitedAggregator(maxRequestBytes), new ApiHttpHandler(dispatcher, false));
                    }
                }
            });
            return;
        }
        HttpServerCodec http1 = new HttpServerCodec();
        HttpServerUpgradeHandler upgrade = new HttpServerUpgradeHandler(http1, protocol -> {
            if (!AsciiString.contentEquals(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)) {
                return null;
            }
            guard.http2();
            return new Http2ServerUpgradeCodec(http2FrameCodec(), http2Multiplexer());
        }, maxRequestBytes);
        ChannelPipeline p = ch.pipeline();
        p.addLast(new CleartextHttp2ServerUpgradeHandler(http1, upgrade, new ChannelInitializer<>() {
            @Override
            protected void initChannel(io.netty.channel.Channel c) {
                guard.http2();
                c.pipeline().addLast(http2FrameCodec(), http2Multiplexer());
            }
        }));
        p.addLast(new LimitedAggregator(maxRequestBytes),
                new ApiHttpHandler(dispatcher, false), new Http1Remover());
    }

    private io.netty.handler.codec.http2.Http2FrameCodec http2FrameCodec() {
        return Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings().initialWindowSize(HTTP2_INITIAL_WINDOW)
                        .maxConcurrentStreams(HTTP2_MAX_STREAMS))
                .build();
    }

    private Http2MultiplexHandler http2Multiplexer() {
        return new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel stream) {
                stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true),
                        new LimitedAggregator(maxRequestBytes), new ApiHttpHandler(dispatcher, true));
            }
        });
    }

    /** After an upgrade to HTTP/2, removes the HTTP/1.1 handlers that follow the upgrade handler. */
    private static final class Http1Remover extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (event instanceof HttpServerUpgradeHandler.UpgradeEvent
                    || event instanceof CleartextHttp2ServerUpgradeHandler.PriorKnowledgeUpgradeEvent) {
                ChannelPipeline p = ctx.pipeline();
                p.remove(LimitedAggregator.class);
                p.remove(ApiHttpHandler.class);
                p.remove(this);
            }
            super.userEventTriggered(ctx, event);
        }
    }
}
