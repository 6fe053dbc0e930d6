package io.corral.it.support;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.corral.http.security.Credentials;
import io.corral.proto.v1.agent.Call;
import io.corral.proto.v1.agent.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A client of the agent's Mesos v1 operator API, as an operator tool would be: JSON bodies with
 * Mesos' snake_case field names written by hand, or protobuf {@link Call}s, posted to
 * {@code /api/v1} with {@link HttpClient}. The low-level methods return the raw response so tests
 * can assert status codes; the high-level ones ({@link #launch}, {@link #waitFor}, ...) check for
 * success. Thread-safe ({@link HttpClient} is); async variants serve the concurrency tests.
 */
public final class AgentClient {
  public static final String JSON = "application/json";
  public static final String PROTOBUF = "application/x-protobuf";
  private static final Duration TIMEOUT = Patience.of(Duration.ofSeconds(60));

  private final URI base;
  private final HttpClient http;
  /** Where the credentials to prove are, read at each request while it is missing; or null. */
  private final Path credentials;
  /** A fixed {@code Authorization} value (or none) for tests of authentication; or null. */
  private final Optional<String> authorization;
  private volatile String cached;

  /** A client that sends no credentials. */
  public AgentClient(URI base) {
    this(base, null, Optional.empty());
  }

  /**
   * A client that authenticates with the first principal of the credentials file
   * {@code credentials} (Mesos' JSON) once that file exists, as an operator tool that finds a
   * root agent's generated {@code <work_dir>/credentials} does.
   */
  public AgentClient(URI base, Path credentials) {
    this(base, credentials, null);
  }

  private AgentClient(URI base, Path credentials, Optional<String> authorization) {
    this.base = base;
    this.credentials = credentials;
    this.authorization = authorization;
    this.http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Patience.of(Duration.ofSeconds(5)))
        .build();
  }

  /** This client with {@code header} as its {@code Authorization} value (null: none sent). */
  public AgentClient withAuthorization(String header) {
    return new AgentClient(base, null, Optional.ofNullable(header));
  }

  /** {@code Basic <base64 of principal:secret>}. */
  public static String basic(String principal, String secret) {
    return "Basic " + java.util.Base64.getEncoder().encodeToString(
        (principal + ":" + secret).getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  private HttpRequest.Builder authorized(HttpRequest.Builder b) {
    if (authorization != null) {
      authorization.ifPresent(value -> b.header("Authorization", value));
      return b;
    }
    if (cached == null && credentials != null && Files.isReadable(credentials)) {
      cached = Credentials.read(credentials.toString()).basicAuthorization(Optional.empty());
    }
    if (cached != null) {
      b.header("Authorization", cached);
    }
    return b;
  }

  // ---------------------------------------------------------------- raw requests

  /** A POST to {@code /api/v1} with the given body and headers (null header = not sent). */
  public HttpResponse<byte[]> post(byte[] body, String contentType, String accept) {
    return send(request(body, contentType, accept));
  }

  /** A POST of a JSON body, answered in JSON. */
  public HttpResponse<String> postJson(String json) {
    return sendString(request(json.getBytes(java.nio.charset.StandardCharsets.UTF_8), JSON, JSON));
  }

  /** The same, asynchronously (for concurrent launches). */
  public CompletableFuture<HttpResponse<String>> postJsonAsync(String json) {
    HttpRequest r = request(json.getBytes(java.nio.charset.StandardCharsets.UTF_8), JSON, JSON);
    return http.sendAsync(r, HttpResponse.BodyHandlers.ofString());
  }

  /** A protobuf call, answered in protobuf. */
  public HttpResponse<byte[]> postProtobuf(Call call) {
    return post(call.toByteArray(), PROTOBUF, PROTOBUF);
  }

  /** Any method on any path, for the endpoint tests ({@code GET /api/v1}, {@code GET /health}). */
  public HttpResponse<String> request(String method, String path) {
    HttpRequest r = authorized(HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT)
        .method(method, HttpRequest.BodyPublishers.noBody())).build();
    return sendString(r);
  }

  private HttpRequest request(byte[] body, String contentType, String accept) {
    HttpRequest.Builder b = authorized(HttpRequest.newBuilder(base.resolve("/api/v1"))
        .timeout(TIMEOUT).POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    if (accept != null) {
      b.header("Accept", accept);
    }
    return b.build();
  }

  private HttpResponse<byte[]> send(HttpRequest r) {
    try {
      return http.send(r, HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException("Failed to call the agent: " + r, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private HttpResponse<String> sendString(HttpRequest r) {
    try {
      return http.send(r, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException("Failed to call the agent: " + r, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  // ---------------------------------------------------------------- JSON bodies, as Mesos writes them

  /** A JSON string literal. */
  public static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }

  /** {@code LAUNCH_CONTAINER} of a shell command ({@code /bin/sh -c value}). */
  public static String launchJson(String id, String shellCommand) {
    return "{\"type\":\"LAUNCH_CONTAINER\",\"launch_container\":{\"container_id\":{\"value\":"
        + quote(id) + "},\"command\":{\"value\":" + quote(shellCommand) + "}}}";
  }

  /** {@code LAUNCH_CONTAINER} with a hand-written {@code launch_container} object body. */
  public static String launchJsonRaw(String launchContainerFields) {
    return "{\"type\":\"LAUNCH_CONTAINER\",\"launch_container\":{" + launchContainerFields + "}}";
  }

  /** A call whose sub-message only names a container ({@code WAIT}, {@code REMOVE}). */
  public static String idCallJson(String type, String id) {
    String field = type.toLowerCase(java.util.Locale.ROOT);
    return "{\"type\":\"" + type + "\",\"" + field + "\":{\"container_id\":{\"value\":"
        + quote(id) + "}}}";
  }

  // ---------------------------------------------------------------- the calls, over JSON

  /** LAUNCH_CONTAINER of a shell command; the HTTP status (200 launched, 202 already, 400 ...). */
  public int launch(String id, String shellCommand) {
    return postJson(launchJson(id, shellCommand)).statusCode();
  }

  /** WAIT_CONTAINER; the raw response (200 with a body, or 404). */
  public HttpResponse<String> waitRaw(String id) {
    return postJson(idCallJson("WAIT_CONTAINER", id));
  }

  /** WAIT_CONTAINER, which must answer 200: the termination. */
  public Response.WaitContainer waitFor(String id) {
    return waitFor(id, TIMEOUT);
  }

  /** WAIT_CONTAINER, which must answer 200 within {@code timeout}: the termination. */
  public Response.WaitContainer waitFor(String id, Duration timeout) {
    HttpResponse<String> r;
    try {
      r = postJsonAsync(idCallJson("WAIT_CONTAINER", id)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("WAIT_CONTAINER '" + id + "' did not answer within " + timeout
          + ": the container did not terminate");
    } catch (ExecutionException e) {
      throw new UncheckedIOException("Failed to call the agent", new IOException(e.getCause()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    if (r.statusCode() != 200) {
      throw new AssertionError("WAIT_CONTAINER '" + id + "' answered " + r.statusCode() + ": " + r.body());
    }
    Response response = parseJson(r.body());
    if (response.getType() != Response.Type.WAIT_CONTAINER || !response.hasWaitContainer()) {
      throw new AssertionError("WAIT_CONTAINER '" + id + "' answered an unexpected body: " + r.body());
    }
    return response.getWaitContainer();
  }

  /** KILL_CONTAINER with the default signal (SIGKILL); the HTTP status. */
  public int kill(String id) {
    return postJson(idCallJson("KILL_CONTAINER", id)).statusCode();
  }

  /** KILL_CONTAINER with a signal; the HTTP status. */
  public int kill(String id, int signal) {
    return postJson("{\"type\":\"KILL_CONTAINER\",\"kill_container\":{\"container_id\":{\"value\":"
        + quote(id) + "},\"signal\":" + signal + "}}").statusCode();
  }

  /** REMOVE_CONTAINER; the HTTP status. */
  public int remove(String id) {
    return postJson(idCallJson("REMOVE_CONTAINER", id)).statusCode();
  }

  /** GET_CONTAINERS with {@code show_standalone=true}. */
  public List<Response.GetContainers.Container> containers() {
    HttpResponse<String> r = postJson(
        "{\"type\":\"GET_CONTAINERS\",\"get_containers\":{\"show_nested\":false,\"show_standalone\":true}}");
    if (r.statusCode() != 200) {
      throw new AssertionError("GET_CONTAINERS answered " + r.statusCode() + ": " + r.body());
    }
    return parseJson(r.body()).getGetContainers().getContainersList();
  }

  /** The listed container with this id, if GET_CONTAINERS lists it. */
  public Optional<Response.GetContainers.Container> container(String id) {
    return containers().stream().filter(c -> c.getContainerId().getValue().equals(id)).findFirst();
  }

  /** GET_HEALTH answered 200 with {@code healthy: true}. */
  public boolean healthy() {
    HttpResponse<String> r = postJson("{\"type\":\"GET_HEALTH\"}");
    return r.statusCode() == 200 && parseJson(r.body()).getGetHealth().getHealthy();
  }

  /** KILL (ignoring 404) and then WAIT and REMOVE: best-effort clean-up of one container. */
  public void destroy(String id) {
    kill(id);
    waitRaw(id);
    remove(id);
  }

  // ---------------------------------------------------------------- bodies

  /** A JSON {@link Response}, as Mesos writes it (snake_case; unknown keys ignored). */
  public static Response parseJson(String body) {
    try {
      Response.Builder b = Response.newBuilder();
      JsonFormat.parser().ignoringUnknownFields().merge(body, b);
      return b.build();
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("Failed to parse the agent's JSON response: " + body, e);
    }
  }

  /** A protobuf {@link Response}. */
  public static Response parseProtobuf(byte[] body) {
    try {
      return Response.parseFrom(body);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("Failed to parse the agent's protobuf response", e);
    }
  }
}
