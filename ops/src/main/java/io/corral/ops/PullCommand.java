package io.corral.ops;

import io.corral.images.DockerProvisioner;
import io.corral.images.ImageReference;
import io.corral.images.store.StoredImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code corral pull [image flags] NAME}: pulls the Docker image NAME into the store that
 * {@code corral run --image} uses ({@code --docker_store_dir}, else {@value ImageFlags#COMMAND_LINE_STORE}
 * as root), showing a progress bar per layer on a terminal and plain lines otherwise, then one
 * summary line on stdout. Failures are one line on stderr: "Failed to pull image 'NAME': cause".
 */
@Command(
    name = "pull",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Pulls the Docker image NAME into the image store that 'corral run --image' uses.",
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {"0:the image is in the store", "1:the pull failed or a flag is invalid (the message says why)"})
final class PullCommand implements Callable<Integer> {
  /** What the store check of {@link ImageFlags} asks of an image container; a pull makes none. */
  private static final List<String> IMAGE_ISOLATION = List.of("filesystem/linux", "docker/runtime");

  @Mixin ImageFlags images;

  @Parameters(index = "0", paramLabel = "NAME",
      description = "The image: [REGISTRY/]REPOSITORY[:TAG|@DIGEST], as in a LAUNCH's 'docker.name'.")
  String name;

  @Override
  public Integer call() throws IOException {
    Systems.applyLoggingLevel(AgentFlags.LoggingLevel.WARNING); // stderr is for the failure
    try {
      ImageReference.parse(name);
    } catch (IllegalArgumentException e) {
      return failed(e.getMessage());
    }
    // The provisioner wants a directory for root filesystems; a pull makes none.
    Path scratch = Files.createTempDirectory("corral-pull-");
    try {
      ImageFlags.Images settings =
          images.resolveForCommandLine(Host.isRoot(), IMAGE_ISOLATION, LauncherFlag.Kind.LINUX);
      PullProgress progress = PullProgress.to(System.out, 1);
      DockerProvisioner provisioner = Wiring.provisioner(settings, scratch, scratch.resolve("containers"), progress);
      StoredImage stored = provisioner.store().get(ImageReference.parse(name), progress).toCompletableFuture().join();
      System.out.println(progress.summary(stored));
      return 0;
    } catch (StartupException e) {
      return failed(e.getMessage());
    } catch (CompletionException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      String message = String.valueOf(cause.getMessage());
      System.out.flush();
      if (message.startsWith("Failed to pull image ")) {
        System.err.println(message);
        return 1;
      }
      return failed(message);
    } finally {
      RunCommand.deleteQuietly(scratch);
    }
  }

  private int failed(String cause) {
    System.out.flush();
    System.err.println("Failed to pull image '" + name + "': " + cause);
    return 1;
  }
}
