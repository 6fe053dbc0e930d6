package io.corral.http;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.concurrent.duration.Duration;

/**
 * Binds the agent's routes to an address; {@code ops} calls {@link #bind} once at startup and
 * keeps the {@link ServerBinding} to unbind at shutdown. Pekko HTTP then serves every connection
 * on the system's default dispatcher.
 *
 * <p>The server's settings come from the system's {@code pekko.http.server} config, adapted to
 * the agent: the idle timeout is {@link HttpSettings#idleTimeout()} (infinite by default, so a
 * WAIT_CONTAINER may stay open as long as its container runs). {@code /api/v1} enforces its own
 * body limit ({@link HttpSettings#maxRequestBytes()}). The parser learns the media types of
 * {@code ApiCodec.PARSER_MEDIA_TYPES}, which {@code /api/v1} needs to check {@code Content-Type}
 * exactly as Mesos does; routes bound without them accept {@code application/json;
 * charset=utf-8} and answer 400 rather than 415 to an explicit {@code application/octet-stream}.
 * A malformed {@code Authorization} header is never logged (it may hold a secret).
 */
public final class AgentServer {
  private static final Logger LOG = LoggerFactory.getLogger(AgentServer.class);

  /**
   * Headers whose malformed values Pekko must not log: its warning quotes the value, which may
   * hold a secret.
   */
  private static final scala.collection.immutable.List<String> CREDENTIAL_HEADERS =
      scala.jdk.javaapi.CollectionConverters.asScala(
          java.util.List.of("authorization", "proxy-authorization")).toList();

  private AgentServer() {}

  /** Binds {@code routes} on {@code ip:port} (port 0 picks a free port; see the binding). */
  public static CompletionStage<ServerBinding> bind(
      ActorSystem<?> system, String ip, int port, AgentRoutes routes, HttpSettings settings) {
    return bind(system, ip, port, routes, settings, java.util.Optional.empty());
  }

  /**
   * As above, speaking TLS only when {@code tls} is given: its context is built here, so a bad
   * certificate or key fails the bind with a message naming the file.
   */
  public static CompletionStage<ServerBinding> bind(ActorSystem<?> system, String ip, int port,
      AgentRoutes routes, HttpSettings settings,
      java.util.Optional<io.corral.http.security.Tls> tls) {
    Duration idle = settings.idleTimeout()
        .<Duration>map(d -> Duration.create(d.toMillis(), TimeUnit.MILLISECONDS))
        .orElse(Duration.Inf());
    org.apache.pekko.http.javadsl.ServerBuilder server = Http.get(system)
        .newServerAt(ip, port)
        .adaptSettings(s -> adapt(s, idle));
    if (tls.isPresent()) {
      javax.net.ssl.SSLContext context = tls.get().context();
      server = server.enableHttps(org.apache.pekko.http.javadsl.ConnectionContext.httpsServer(
          () -> tls.get().engine(context)));
    }
    return server
        .bind(routes.routes())
        .thenApply(binding -> {
          LOG.info("Agent API listening on {}", binding.localAddress());
          return binding;
        });
  }

  private static ServerSettings adapt(ServerSettings s, Duration idle) {
    return s.withTimeouts(s.getTimeouts().withIdleTimeout(idle))
        .withParserSettings(s.getParserSettings()
            .withCustomMediaTypes(ApiCodec.PARSER_MEDIA_TYPES)
            .withIgnoreIllegalHeaderFor(CREDENTIAL_HEADERS));
  }
}
