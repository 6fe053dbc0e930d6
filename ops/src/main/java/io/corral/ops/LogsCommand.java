package io.corral.ops;

import io.corral.actors.files.SandboxFiles;
import io.corral.proto.v1.ContainerID;
import io.corral.proto.v1.agent.Call;
import io.corral.proto.v1.agent.Response;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code corral logs ID [-f] [--stderr]}: prints a container's {@code stdout} (or
 * {@code stderr}) from its sandbox through the agent's files API (READ_FILE of
 * {@code /containers/<ID>/stdout}, 64 KiB at a time), byte for byte. With {@code -f} it keeps
 * reading what the command writes, every {@link #POLL}, until the container has terminated
 * (GET_CONTAINERS no longer lists it) and the file has been read to its end. A file that shrank
 * (it was rotated) is read again from its start. Runs on the main thread.
 */
@Command(name = "logs", mixinStandardHelpOptions = true,
    description = "Prints a container's stdout (or stderr) through the agent's files API (READ_FILE).")
final class LogsCommand implements Callable<Integer> {
  static final Duration POLL = Duration.ofMillis(250);
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(70);

  @Mixin AgentClientOptions client;
  @Parameters(paramLabel = "ID", description = "The container.") String id;

  @Option(names = {"-f", "--follow"}, description = "Keep printing what the command writes until"
      + " the container terminates.")
  boolean follow;

  @Option(names = "--stderr", description = "Print the container's stderr instead of its stdout.")
  boolean stderr;

  /** Where the bytes go: stdout, unless a test gives another stream. */
  OutputStream out = System.out;

  @Override
  public Integer call() throws IOException, InterruptedException {
    String path = SandboxFiles.CONTAINERS + "/" + id + "/" + (stderr ? "stderr" : "stdout");
    String verb = "read '" + path + "'";
    long offset = 0;
    boolean ended = !follow;
    while (true) {
      Response.ReadFile chunk = client.call(Call.newBuilder()
          .setType(Call.Type.READ_FILE)
          .setReadFile(Call.ReadFile.newBuilder().setPath(path).setOffset(offset)
              .setLength(SandboxFiles.MAX_READ))
          .build(), verb, CALL_TIMEOUT).getReadFile();
      if (chunk.getSize() < offset) {
        offset = 0;
        continue;
      }
      chunk.getData().writeTo(out);
      offset += chunk.getData().size();
      if (!chunk.getData().isEmpty()) {
        continue;
      }
      out.flush();
      if (ended) {
        return 0;
      }
      ended = !running(verb); // one more read after the end, for what was written last
      if (!ended) {
        Thread.sleep(POLL.toMillis());
      }
    }
  }

  private boolean running(String verb) {
    Response response = client.call(Call.newBuilder()
        .setType(Call.Type.GET_CONTAINERS)
        .setGetContainers(Call.GetContainers.newBuilder().setShowStandalone(true))
        .build(), verb, CALL_TIMEOUT);
    ContainerID wanted = ContainerID.newBuilder().setValue(id).build();
    return response.getGetContainers().getContainersList().stream()
        .anyMatch(c -> c.getContainerId().equals(wanted));
  }

}
