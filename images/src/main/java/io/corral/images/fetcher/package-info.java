/**
 * The fetcher: Mesos' FETCHING phase. It puts a command's {@code CommandInfo.uris} into the
 * sandbox (downloads over HTTP(S), copies of local files, archives extracted), through a per-user
 * cache, and writes its own log into the sandbox's {@code stderr} as Mesos' fetcher does.
 */
package io.corral.images.fetcher;
