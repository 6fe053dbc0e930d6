package io.corral.http;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import io.corral.actors.Containerizer;
import io.corral.http.security.Action;
import io.corral.http.security.HttpSecurity;
import io.corral.http.security.HttpSecurity.Caller;
import io.corral.http.security.Realm;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.corral.actors.files.SandboxFiles;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The agent's HTTP routes, each also reachable under {@code /slave(1)/} as in Mesos:
 *
 * <ul>
 *   <li>{@code POST /api/v1}: the v1 agent API calls ({@link AgentApi});
 *   <li>{@code GET /health}: 200, empty;
 *   <li>{@code GET /state}, {@code GET /containers}, {@code GET /monitor/statistics} ({@link
 *       AgentViews});
 *   <li>{@code GET /metrics} (Prometheus text) and {@code GET /metrics/snapshot} (Mesos' JSON)
 *       ({@link MetricsViews});
 *   <li>{@code GET /flags} and {@code GET /version} (Mesos' JSON, {@link AgentViews});
 *   <li>{@code GET /files/browse|read|download|debug} ({@link FilesRoutes}), in the read-only
 *       realm, each file checked against the ACLs of what it belongs to;
 *   <li>{@code /logging/toggle} ({@link LoggingRoutes}), in the read-write realm;
 *   <li>{@code GET /} and {@code /status.json} (the status page, {@link StatusPage}).
 * </ul>
 *
 * <p>Who may call what is {@link HttpSecurity}'s: {@code /api/v1} is in the read-write realm,
 * the GET endpoints but {@code /health} in the read-only realm; a realm that requires
 * authentication answers a request without valid credentials 401 with {@code WWW-Authenticate:
 * Basic realm="<realm>"} before anything else, as libprocess does. A caller that may not view
 * standalone containers sees none in {@code /state}, {@code /containers} and
 * {@code /monitor/statistics}.
 *
 * <p>While {@code ready} is false (the containerizer is still recovering) every endpoint but
 * {@code /health} and the metrics answers 503, as the Mesos agent does during recovery. {@code /api/v1} has no
 * request timeout of the server's own, since WAIT_CONTAINER lasts as long as the container; each
 * call is bounded by its ask timeout instead ({@link HttpSettings}). Its body is limited to
 * {@link HttpSettings#maxRequestBytes()} by {@link AgentApi}.
 *
 * <p>The routes are built once and then run by Pekko HTTP on its dispatcher; this object holds
 * no mutable state.
 */
public final class AgentRoutes extends AllDirectives {
  private final BooleanSupplier ready;
  private final AgentApi api;
  private final AgentViews views;
  private final MetricsViews metrics;
  private final HttpSecurity security;
  private final AgentInfo info;
  private final FilesRoutes files;
  private final LoggingRoutes logging;
  private final StatusPage page;

  private AgentRoutes(Builder b) {
    this.ready = b.ready;
    this.security = b.security;
    this.info = b.info;
    this.metrics = new MetricsViews(b.registry);
    FilesApi filesApi = new FilesApi(b.files, b.containerizer, b.system, b.settings, security);
    this.files = new FilesRoutes(filesApi);
    this.logging = new LoggingRoutes(b.logging, security);
    this.api = new AgentApi(b.containerizer, info, b.settings, b.system, ready, security,
        new ObservationCalls(filesApi, metrics, b.logging, security));
    this.views = new AgentViews(b.containerizer, info, b.settings, b.system);
    this.page = new StatusPage(b.system, b.containerizer, info, b.settings, ready);
  }

  /**
   * Routes for {@code containerizer}, open to everyone, always ready, with a registry of their
   * own, no files and a fixed logging level, until the builder says otherwise.
   *
   * @param system the actor system whose scheduler times the asks
   * @param containerizer the containerizer every call is sent to
   * @param info what the agent reports about itself
   * @param settings limits and timeouts
   */
  public static Builder builder(ActorSystem<?> system, ActorRef<Containerizer.Command> containerizer,
      AgentInfo info, HttpSettings settings) {
    return new Builder(system, containerizer, info, settings);
  }

  /** The optional parts of {@link AgentRoutes}. Not thread-safe. */
  public static final class Builder {
    private final ActorSystem<?> system;
    private final ActorRef<Containerizer.Command> containerizer;
    private final AgentInfo info;
    private final HttpSettings settings;
    private BooleanSupplier ready = () -> true;
    private PrometheusMeterRegistry registry;
    private HttpSecurity security = HttpSecurity.open();
    private SandboxFiles files = SandboxFiles.none();
    private LoggingControl logging = LoggingControl.fixed();

    private Builder(ActorSystem<?> system, ActorRef<Containerizer.Command> containerizer, AgentInfo info,
        HttpSettings settings) {
      this.system = system;
      this.containerizer = containerizer;
      this.info = info;
      this.settings = settings;
    }

    /** False while the agent recovers; then every endpoint but /health and the metrics answers 503. */
    public Builder ready(BooleanSupplier ready) {
      this.ready = ready;
      return this;
    }

    /**
     * The registry {@code /metrics} and {@code /metrics/snapshot} read: the one the containerizer
     * records into ({@code ContainerizerSettings.withMeterRegistry}).
     */
    public Builder registry(PrometheusMeterRegistry registry) {
      this.registry = registry;
      return this;
    }

    /** Who may call what. */
    public Builder security(HttpSecurity security) {
      this.security = security;
      return this;
    }

    /** The sandboxes (and agent log) the files API serves. */
    public Builder files(SandboxFiles files) {
      this.files = files;
      return this;
    }

    /** The logging level the logging calls read and set. */
    public Builder logging(LoggingControl logging) {
      this.logging = logging;
      return this;
    }

    public AgentRoutes build() {
      if (registry == null) {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      }
      return new AgentRoutes(this);
    }
  }

  /** The whole route tree. */
  public Route routes() {
    return concat(pathPrefix("slave(1)", this::endpoints), endpoints());
  }

  private Route endpoints() {
    return concat(
        path(segment("api").slash("v1"), this::api),
        path("health", () -> get(() -> complete(HttpResponse.create()))),
        path("metrics", () -> get(() -> readonly(c -> complete(metrics.prometheus())))),
        path(segment("metrics").slash("snapshot"),
            () -> get(() -> readonly(c -> complete(metrics.snapshot())))),
        path("state", () -> get(() -> readonly(c -> whenReady(() -> completeWithFuture(
            views.state(mayView(c), security.approved(Action.VIEW_FLAGS, c))))))),
        path("containers", () -> get(() -> readonly(c -> whenReady(() -> containers(c))))),
        path(segment("monitor").slash("statistics"), () -> get(() -> readonly(c -> whenReady(
            () -> completeWithFuture(views.statistics(mayView(c))))))),
        path("flags", () -> get(() -> readonly(c -> complete(security.approved(Action.VIEW_FLAGS, c)
            ? AgentViews.flags(info) : ErrorMapping.forbidden())))),
        path("version", () -> get(() -> complete(AgentViews.version(info)))),
        pathPrefix("files", () -> readonly(c -> whenReady(() -> files.routes(c)))),
        path(segment("logging").slash("toggle"), () -> authenticated(Realm.READWRITE,
            logging::toggle, this::complete)),
        page.routes(this::readonly, this::mayView, c -> security.approved(Action.VIEW_FLAGS, c)));
  }

  private Route api() {
    return withoutRequestTimeout(() -> extractRequest(request -> authenticated(Realm.READWRITE,
        caller -> completeWithFuture(api.handle(request, caller)),
        refusal -> completeWithFuture(api.refuse(request, refusal)))));
  }

  private Route containers(Caller caller) {
    return parameterOptional("container_id", containerId ->
        parameterOptional("framework_id", frameworkId ->
            parameterOptional("executor_id", executorId ->
                completeWithFuture(views.containers(
                    containerId, frameworkId, executorId, mayView(caller))))));
  }

  private boolean mayView(Caller caller) {
    return security.approved(Action.VIEW_STANDALONE_CONTAINER, caller);
  }

  private Route readonly(Function<Caller, Route> inner) {
    return authenticated(Realm.READONLY, inner, this::complete);
  }

  /** {@code inner} for the caller that the request's credentials prove, else {@code refused}. */
  private Route authenticated(
      Realm realm, Function<Caller, Route> inner, Function<HttpResponse, Route> refused) {
    return optionalHeaderValueByName("Authorization", header ->
        security.authenticate(realm, header)
            .map(inner)
            .orElseGet(() -> refused.apply(ErrorMapping.unauthorized(realm))));
  }

  private Route whenReady(Supplier<Route> inner) {
    return ready.getAsBoolean() ? inner.get() : complete(ErrorMapping.recovering());
  }
}
