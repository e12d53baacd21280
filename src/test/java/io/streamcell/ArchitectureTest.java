package io.streamcell;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The package layout's rules, checked on the compiled main classes: the math and the per-key core
 * run without Flink (so replay, evaluate and train are the job's own code, testable alone), the
 * evaluation does not reach into the job, and no two packages depend on each other.
 */
@AnalyzeClasses(packages = "io.streamcell", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule modelCoreAnomalyTrainAdaptAndFilesImportNoFlink = noClasses()
            .that()
            .resideInAnyPackage(
                    "io.streamcell.model..",
                    "io.streamcell.core..",
                    "io.streamcell.anomaly..",
                    "io.streamcell.train..",
                    "io.streamcell.adapt..",
                    "io.streamcell.files..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("org.apache.flink..")
            .because("the per-key logic and the math are Flink-free: replay, evaluate and train run them alone");

    @ArchTest
    static final ArchRule evaluationDoesNotImportTheJob = noClasses()
            .that()
            .resideInAPackage("io.streamcell.anomaly.eval..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("io.streamcell.job..")
            .because("evaluation replays through the stepping core, not through the Flink job");

    @ArchTest
    static final ArchRule coreDoesNotImportTheJobOrTheCommandLine = noClasses()
            .that()
            .resideInAPackage("io.streamcell.core..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("io.streamcell.job..", "io.streamcell.cli..", "io.streamcell.replay..")
            .because("the job, replay and the command line are adapters around the core");

    @ArchTest
    static final ArchRule noPackageCycles =
            slices().matching("io.streamcell.(**)").should().beFreeOfCycles();
}
