package io.corral.http;

import io.corral.actors.Containerizer;
import io.corral.actors.Containerizer.ContainerSnapshot;
import io.corral.actors.history.UsageHistoryActor;
import io.corral.http.security.HttpSecurity.Caller;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The agent's status page: {@code GET /} (HTML), {@code /status.js}, {@code /status.css} (from
 * this module's resources, no third-party code) and {@code GET /status.json}, which the page
 * polls. Every one is in the read-only realm, as {@code /flags} and {@code /containers} are, and
 * a caller who may not view standalone containers gets none in the JSON (and starts no
 * sampling). While the agent recovers the JSON says {@code "recovering"} and lists no container.
 *
 * <p>Every response carries a Content-Security-Policy that allows scripts, styles and fetches
 * from the agent only (no inline script, no other origin, no framing) and {@code nosniff}.
 * Usage history comes from a {@link UsageHistoryActor} this object spawns as a system actor; it
 * samples only while the JSON is asked for. Otherwise stateless; runs on Pekko HTTP's threads.
 */
final class StatusPage extends AllDirectives {
  static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; "
      + "connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; "
      + "frame-ancestors 'none'";
  private static final AtomicInteger INSTANCES = new AtomicInteger();
  private static final List<HttpHeader> HEADERS = List.of(
      RawHeader.create("Content-Security-Policy", CSP),
      RawHeader.create("X-Content-Type-Options", "nosniff"),
      RawHeader.create("Referrer-Policy", "no-referrer"),
      RawHeader.create("Cache-Control", "no-store"));

  private final ActorSystem<?> system;
  private final ActorRef<Containerizer.Command> containerizer;
  private final ActorRef<UsageHistoryActor.Command> history;
  private final AgentInfo info;
  private final HttpSettings settings;
  private final BooleanSupplier ready;
  private final HttpResponse html;
  private final HttpResponse script;
  private final HttpResponse style;

  StatusPage(ActorSystem<?> system, ActorRef<Containerizer.Command> containerizer, AgentInfo info,
      HttpSettings settings, BooleanSupplier ready) {
    this.system = system;
    this.containerizer = containerizer;
    this.info = info;
    this.settings = settings;
    this.ready = ready;
    this.history = system.systemActorOf(UsageHistoryActor.create(containerizer,
            UsageHistoryActor.Settings.defaults(), UsageHistoryActor.StartTimes.processHandles()),
        "usage-history-" + INSTANCES.incrementAndGet(), Props.empty());
    this.html = asset("index.html", ContentTypes.TEXT_HTML_UTF8);
    this.script = asset("status.js",
        ContentTypes.create(MediaTypes.APPLICATION_JAVASCRIPT, HttpCharsets.UTF_8));
    this.style = asset("status.css",
        ContentTypes.create(MediaTypes.TEXT_CSS, HttpCharsets.UTF_8));
  }

  /**
   * The page's routes; {@code readonly} authenticates a caller in the read-only realm (or
   * answers 401), {@code mayView} says whether the caller may see standalone containers and
   * {@code mayViewFlags} whether it may see the flags.
   */
  Route routes(Function<Function<Caller, Route>, Route> readonly, Predicate<Caller> mayView,
      Predicate<Caller> mayViewFlags) {
    return concat(
        pathSingleSlash(() -> get(() -> readonly.apply(c -> complete(html)))),
        path("status.js", () -> get(() -> readonly.apply(c -> complete(script)))),
        path("status.css", () -> get(() -> readonly.apply(c -> complete(style)))),
        path("status.json", () -> get(() -> readonly.apply(
            c -> completeWithFuture(status(mayView.test(c), mayViewFlags.test(c)))))));
  }

  private CompletionStage<HttpResponse> status(boolean mayView, boolean flags) {
    boolean up = ready.getAsBoolean();
    if (!up || !mayView) {
      return CompletableFuture.completedFuture(json(StatusJson.render(info, up, flags, Instant.now(), List.of(),
          new UsageHistoryActor.History(Map.of(),
              UsageHistoryActor.Settings.defaults().interval()))));
    }
    CompletionStage<Containerizer.Containers> containers = AskPattern.ask(containerizer,
        Containerizer.GetContainers::new, settings.askTimeout(), system.scheduler());
    CompletionStage<UsageHistoryActor.History> histories = AskPattern.ask(history,
        UsageHistoryActor.Get::new, settings.askTimeout(), system.scheduler());
    return containers.thenCombine(histories, (c, h) -> json(StatusJson.render(
            info, true, flags, Instant.now(), sorted(c.containers()), h)))
        .exceptionally(f -> ErrorMapping.fromFailure(f, "get status", settings.askTimeout()));
  }

  private static List<ContainerSnapshot> sorted(List<ContainerSnapshot> snapshots) {
    return snapshots.stream().sorted(Comparator.comparing(s -> s.id().getValue())).toList();
  }

  private static HttpResponse json(String body) {
    return HttpResponse.create().withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, body))
        .addHeaders(HEADERS);
  }

  private static HttpResponse asset(String name, ContentType type) {
    try (InputStream in = StatusPage.class.getResourceAsStream("status/" + name)) {
      if (in == null) {
        throw new IllegalStateException("Failed to find the status page's '" + name + "'");
      }
      return HttpResponse.create().withEntity(HttpEntities.create(type, in.readAllBytes()))
          .addHeaders(HEADERS);
    } catch (IOException e) {
      throw new UncheckedIOException("Failed to read the status page's '" + name + "'", e);
    }
  }
}
