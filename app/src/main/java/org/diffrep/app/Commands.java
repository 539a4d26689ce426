package org.diffrep.app;

import org.diffrep.datasets.DatasetsCommand;
import org.diffrep.model.bench.BenchCommand;
import org.diffrep.model.checkpoint.InspectCheckpointCommand;
import org.diffrep.model.cli.ModelInfoCommand;
import org.diffrep.model.cli.VerifyBlocksCommand;
import org.diffrep.training.cka.CkaCommand;
import org.diffrep.training.cli.EvalCommand;
import org.diffrep.training.demo.DemoCommand;
import org.diffrep.training.cli.ExtractCommand;
import org.diffrep.training.cli.HeadInfoCommand;
import org.diffrep.training.cli.TrainCommand;
import org.diffrep.training.finetune.FineTuneCommand;
import org.diffrep.training.knn.KnnCommand;
import org.diffrep.training.pretrain.PretrainCommand;
import org.diffrep.training.pretrain.SampleCommand;
import org.diffrep.tuning.SweepCommand;

import java.util.List;

/** Every subcommand of {@code bin/diffrep}, in the order {@code --help} lists them. */
final class Commands {
    private Commands() {}

    static List<Object> all() {
        return List.of(
                new DemoCommand(),
                new ModelInfoCommand(),
                new InspectCheckpointCommand(),
                new VerifyBlocksCommand(),
                new DatasetsCommand(),
                new ExtractCommand(),
                new TrainCommand(),
                new EvalCommand(),
                new HeadInfoCommand(),
                new FineTuneCommand(),
                new KnnCommand(),
                new CkaCommand(),
                new SweepCommand(),
                new PretrainCommand(),
                new SampleCommand(),
                new BenchCommand());
    }
}
