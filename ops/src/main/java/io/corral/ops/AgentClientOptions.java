package io.corral.ops;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.corral.http.security.Credentials;
import io.corral.proto.v1.agent.Call;
import io.corral.proto.v1.agent.Response;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * What {@code corral ps}, {@code kill}, {@code rm} and {@code wait} share: the agent's address
 * and the credentials to prove, and one JSON call of its v1 API. The credentials are, in order,
 * {@code --http_credentials} (or {@code $CORRAL_HTTP_CREDENTIALS}), else
 * {@code <work_dir>/credentials} when this user can read it (the file a root agent generates);
 * without any, the call is sent unauthenticated. Used on the main thread.
 */
final class AgentClientOptions {
  static final String ENV = "CORRAL_HTTP_CREDENTIALS";
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  @Option(names = "--agent", paramLabel = "URL", defaultValue = "http://127.0.0.1:5051",
      description = "The agent to call. Default: ${DEFAULT-VALUE}.")
  URI agent;

  @Option(names = "--http_credentials", paramLabel = "PATH",
      description = "Credentials file to authenticate with (Mesos' JSON; its first principal"
          + " unless --principal). Default: $" + ENV + ", else <work_dir>/credentials if readable.")
  String httpCredentials;

  @Option(names = "--principal", paramLabel = "NAME",
      description = "Which principal of the credentials file to use. Default: the first.")
  String principal;

  @Option(names = "--work_dir", paramLabel = "DIR", defaultValue = "/var/lib/corral",
      description = "The agent's --work_dir, where a root agent keeps its generated credentials."
          + " Default: ${DEFAULT-VALUE}.")
  Path workDir;

  /** The {@code Authorization} header to send, if credentials were found. */
  Optional<String> authorization() {
    String file = httpCredentials != null ? httpCredentials : System.getenv(ENV);
    if (file == null) {
      Path generated = workDir.resolve(DefaultCredentials.FILE);
      if (!Files.isReadable(generated)) {
        return Optional.empty();
      }
      file = generated.toString();
    }
    try {
      return Optional.of(Credentials.read(file).basicAuthorization(Optional.ofNullable(principal)));
    } catch (IllegalArgumentException e) {
      throw new StartupException(e.getMessage(), e);
    }
  }

  /**
   * Posts {@code json} to {@code <agent>/api/v1}.
   *
   * @param verb what the call does, for the message of a failure: {@code kill container 'x'}
   * @param timeout how long to wait for the answer; null waits as long as it takes
   * @throws StartupException {@code Failed to <verb>: <status> <body>}, or the I/O failure
   */
  String call(String json, String verb, Duration timeout) {
    Systems.applyLoggingLevel(AgentFlags.LoggingLevel.WARNING); // a client's stderr is for failures
    HttpRequest.Builder request = HttpRequest.newBuilder(agent.resolve("/api/v1"))
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
    if (timeout != null) {
      request.timeout(timeout);
    }
    authorization().ifPresent(value -> request.header("Authorization", value));
    HttpClient client = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();
    try {
      HttpResponse<String> response =
          client.send(request.build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        String body = response.body().strip();
        String code = Integer.toString(response.statusCode());
        throw new StartupException(
            "Failed to " + verb + ": " + (body.startsWith(code) ? body : code + " " + body));
      }
      return response.body();
    } catch (IOException e) {
      throw new StartupException("Failed to " + verb + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StartupException("Failed to " + verb + ": interrupted", e);
    }
  }

  /** Sends {@code call} as Mesos' JSON (proto field names) and parses the response. */
  Response call(Call call, String verb, Duration timeout) {
    String json;
    try {
      json = JsonFormat.printer().preservingProtoFieldNames().omittingInsignificantWhitespace()
          .print(call);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("Failed to print " + call.getType() + ": " + e.getMessage(), e);
    }
    String body = call(json, verb, timeout);
    return body.isBlank() ? Response.getDefaultInstance() : response(body, verb);
  }

  /** Parses a v1 agent {@code Response} in Mesos' JSON. */
  static Response response(String json, String verb) {
    Response.Builder builder = Response.newBuilder();
    try {
      JsonFormat.parser().ignoringUnknownFields().merge(json, builder);
    } catch (InvalidProtocolBufferException e) {
      throw new StartupException("Failed to " + verb + ": bad response: " + e.getMessage(), e);
    }
    return builder.build();
  }

  /** A JSON string literal of {@code value}. */
  static String quote(String value) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : value.toCharArray()) {
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append('"').toString();
  }
}
