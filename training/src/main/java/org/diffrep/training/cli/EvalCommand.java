package org.diffrep.training.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.diffrep.common.UserInputException;
import org.diffrep.common.cli.Checks;
import org.diffrep.common.cli.Cli;
import org.diffrep.common.util.AtomicFiles;
import org.diffrep.training.graph.ClassifierGraph;
import org.diffrep.training.heads.HeadConfig;
import org.diffrep.training.seg.SegEvalOptions;
import org.diffrep.training.seg.SegmentationRun;
import org.diffrep.training.train.Checkpoint;
import org.diffrep.training.train.TrainConfig;
import org.diffrep.training.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** Re-evaluates a saved head: rebuilds the run from run.json, loads checkpoint.bin, evaluates every image of the split. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Re-evaluates the head saved in a run directory (top-1, top-5, loss; segmentation: mIoU, accuracies, per class); writes eval.json there.")
public final class EvalCommand implements Callable<Integer> {

    /** The evaluation's result in the run folder. */
    public static final String EVAL = "eval.json";

    @Option(names = "--run", required = true, description = "Run directory written by train.")
    Path run;

    @Option(names = "--root", description = "Dataset root, if it moved since training (default: the absolute path the run stored).")
    String root;

    @Option(names = "--checkpoint", description = "U-Net weights, if they moved since training (default: the absolute path the run stored; its SHA-256 must match).")
    String checkpoint;

    @Option(names = "--cache", description = "Feature cache directory, if it moved since training (default: the absolute path the run stored).")
    String cache;

    @Option(names = "--split", description = "Split to evaluate (default: the run's evaluation split).")
    String split;

    @Option(names = "--batch", description = "Evaluation batch (default: the run's).")
    Integer batch;

    @Option(names = "--no-progress", description = "No progress bars.")
    boolean noProgress;

    @Option(names = "--save-predictions", description = "Segmentation runs: write one PNG per evaluation image into this directory,"
            + " named after its annotation file, at the annotation's resolution, class k stored as k + 1 (1..150, never 0).")
    Path savePredictions;

    @CommandLine.Mixin
    SegEvalOptions segEval = new SegEvalOptions();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Checks.existingFolder("--run", run);
        Path description = run.resolve(Trainer.RUN);
        if (!Files.isRegularFile(description)) throw new UserInputException("--run " + run + " has no " + Trainer.RUN + ": not a folder written by train");
        if (batch != null) Checks.atLeast("--batch", batch, 1);
        JsonNode desc;
        try {
            desc = json.readTree(description.toFile());
        } catch (JsonProcessingException e) {
            throw UserInputException.malformed(description, e);
        }
        if (SegmentationRun.isSegmentationRun(desc)) {
            if (cache != null) throw new UserInputException("--cache is for runs trained from a feature cache; " + run + " holds a segmentation run,"
                    + " whose U-Net is in its graph");
            return SegmentationRun.eval(run, desc, root, checkpoint, split, batch, segEval, savePredictions, !noProgress,
                    spec.commandLine().getOut());
        }
        if (savePredictions != null) throw new UserInputException("--save-predictions is for segmentation runs; " + run + " holds a classifier");
        if (segEval.mode != null || segEval.stride != null) {
            throw new UserInputException("--eval-mode and --eval-stride are for segmentation runs; " + run + " holds a classifier");
        }
        boolean trainedFromCache = desc.path("feature_cache").asBoolean(false);
        if (cache != null && !trainedFromCache) {
            throw new UserInputException("--cache is for runs trained from a feature cache; " + run + " was trained with the U-Net in the head's graph");
        }
        HeadConfig head = json.treeToValue(desc.get("head"), HeadConfig.class);
        TrainConfig tc = json.treeToValue(desc.get("train"), TrainConfig.class);
        RunSetup setup = json.treeToValue(desc.get("provenance").get("setup"), RunSetup.class);
        // runs from before diffeed refused --cache stored a folder they did not use
        if (!trainedFromCache) setup.caching.cache = null;
        setup.inputs.root = override(setup.inputs.root, root, "dataset root", "--root");
        setup.inputs.checkpoint = override(setup.inputs.checkpoint, checkpoint, "U-Net weights", "--checkpoint");
        setup.caching.cache = override(setup.caching.cache, cache, "feature cache", "--cache");
        if (split != null) setup.inputs.evalSplit = split;
        Checkpoint saved = Checkpoint.read(run.resolve(Trainer.CHECKPOINT));
        try (Assembly a = new Assembly(setup)) {
            String sha = desc.get("checkpoint_sha256").asText();
            if (!sha.equals(a.checkpointSha256())) {
                throw new UserInputException("U-Net weights " + a.inputs.checkpoint() + " differ from the ones the head was trained on"
                        + " (SHA-256 " + sha + "); pass the run's weights with --checkpoint");
            }
            ClassifierGraph graph = a.graph(head, tc.seed(), !noProgress, false);
            saved.loadInto(graph);
            Trainer.Evaluation ev = Trainer.evaluate(graph, a.evalFeeder(head, tc.seed()), batch != null ? batch : tc.evalBatch(), !noProgress);
            ObjectNode result = json.createObjectNode();
            result.put("split", a.evalImages.describe());
            result.put("images", ev.count());
            result.put("top1", ev.top1());
            result.put("top5", ev.top5());
            result.put("loss", ev.loss());
            result.put("epochs_trained", json.readTree(saved.json()).get("epochs_done").asInt());
            PrintWriter out = spec.commandLine().getOut();
            out.printf("%s on %s: top-1 %.4f top-5 %.4f loss %.4f (%d images)%n", head.kind(), a.evalImages.describe(), ev.top1(), ev.top5(),
                    ev.loss(), ev.count());
            out.flush();
            // the metrics are printed first: a read-only or full run folder must not cost the evaluation
            Path evalFile = run.resolve(EVAL);
            try {
                AtomicFiles.writeString(evalFile, json.writeValueAsString(result));
            } catch (IOException e) {
                PrintWriter err = spec.commandLine().getErr();
                err.println("error: could not write " + evalFile + " (" + Cli.userError(e).orElse(e.toString()) + "); the metrics above are not saved");
                err.flush();
                return Cli.USER_ERROR;
            }
        }
        return 0;
    }

    /**
     * The path the run stored (absolute since runs store it so; older runs may hold a relative one), or the
     * override; a stored path that no longer exists is an error naming the option that replaces it.
     */
    private String override(String stored, String given, String what, String option) {
        if (given != null) return given;
        if (stored != null && !Files.exists(Path.of(stored))) {
            throw new UserInputException("the run's " + what + " " + stored + " does not exist (moved?): pass " + option + " PATH");
        }
        return stored;
    }

    public static void main(String[] args) {
        Cli.main(new EvalCommand(), args);
    }
}
