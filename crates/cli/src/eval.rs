//! `baton eval rediscovery`: precision and recall of the re-discovery
//! detector on a labelled set. Needs no database.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use baton_domain::contract::seed::seeded_contracts;
use baton_domain::rediscovery::eval::{
    DEV_SET, Report, TEST_SET, UNSEEN_SET, evaluate, learn_split,
};
use baton_domain::rediscovery::{MARGIN, THRESHOLD};
use clap::{Args, Subcommand};

/// What to measure.
#[derive(Debug, Subcommand)]
pub enum EvalCommand {
    /// Precision and recall of re-discovery detection on a labelled set.
    ///
    /// The sets ship with Baton (eval/rediscovery/): `test` and `unseen` are
    /// held out and are what docs/rediscovery.md reports; `dev` is what the
    /// threshold was chosen on. A file in the same format may be given
    /// instead.
    ///
    /// e.g. `baton eval rediscovery`, `baton eval rediscovery --set dev
    /// --sweep`, `baton eval rediscovery --file mine.jsonl --mistakes`,
    /// `baton eval rediscovery --learn-split`
    Rediscovery(RediscoveryArgs),
}

/// Options of `baton eval rediscovery`.
#[derive(Debug, Args)]
pub struct RediscoveryArgs {
    /// The shipped set: `test` (held out), `unseen` (held out, written
    /// later by another author) or `dev`.
    #[arg(long, default_value = "test", conflicts_with = "file")]
    set: String,
    /// A labelled set of your own (JSON Lines, format in eval/rediscovery/README.md).
    #[arg(long)]
    file: Option<PathBuf>,
    /// Lowest score suggested (default: the detector's).
    #[arg(long, default_value_t = THRESHOLD)]
    threshold: f64,
    /// Lead over the runner-up field, as a fraction of the best score.
    #[arg(long, default_value_t = MARGIN)]
    margin: f64,
    /// Also print precision and recall at thresholds from 0.20 to 0.80.
    #[arg(long)]
    sweep: bool,
    /// Also print every wrong or missed suggestion.
    #[arg(long)]
    mistakes: bool,
    /// Also measure the learning: the cases on odd lines are decided as
    /// their labels say (a right suggestion confirmed, a wrong one
    /// dismissed), the detector learns from those decisions and is measured
    /// on the even lines, as shipped and learned; then the other way round.
    #[arg(long)]
    learn_split: bool,
}

/// Runs an evaluation and prints its figures.
pub fn run(cmd: EvalCommand) -> Result<()> {
    let EvalCommand::Rediscovery(args) = cmd;
    let (name, text) = match (&args.file, args.set.as_str()) {
        (Some(f), _) => (
            f.display().to_string(),
            std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?,
        ),
        (None, "test") => ("test (held out)".to_string(), TEST_SET.to_string()),
        (None, "dev") => ("dev".to_string(), DEV_SET.to_string()),
        (None, "unseen") => ("unseen (held out)".to_string(), UNSEEN_SET.to_string()),
        (None, other) => bail!("--set '{other}' is none of 'test', 'dev' and 'unseen'"),
    };
    if !(0.0..=1.0).contains(&args.margin) {
        bail!("--margin {} is not between 0 and 1", args.margin);
    }
    let contracts = seeded_contracts();
    let eval = |t: f64| evaluate(&text, &contracts, t, args.margin).map_err(anyhow::Error::msg);
    let r = eval(args.threshold).with_context(|| format!("in {name}"))?;
    println!("set: {name}");
    println!(
        "questions: {} (re-asks {}, none {})",
        r.questions,
        r.re_asks,
        r.questions - r.re_asks
    );
    println!(
        "threshold {:.2}, margin {:.2}: {}",
        args.threshold,
        args.margin,
        figures(&r)
    );
    if args.sweep {
        println!("\nthreshold  precision  recall  suggested");
        for step in 0..=12 {
            let t = 0.20 + 0.05 * f64::from(step);
            let r = eval(t)?;
            println!(
                "{t:>9.2}  {:>9.2}  {:>6.2}  {:>9}",
                r.precision(),
                r.recall(),
                r.true_positives + r.false_positives
            );
        }
    }
    if args.learn_split {
        println!(
            "\nlearn split: odd and even lines of the set; learn on one part, measure on the other"
        );
        for half in learn_split(&text, &contracts, args.threshold, args.margin)
            .map_err(anyhow::Error::msg)?
        {
            let thresholds: Vec<String> = half
                .thresholds
                .iter()
                .map(|(c, t)| format!("{c} {t:.2}"))
                .collect();
            println!(
                "learned on {} ({} confirmed, {} dismissed; thresholds: {}), measured on {} ({} questions):",
                half.learned_on,
                half.decided.0,
                half.decided.1,
                if thresholds.is_empty() {
                    "the default".to_string()
                } else {
                    thresholds.join(", ")
                },
                half.measured_on,
                half.before.questions
            );
            println!("  as shipped: {}", figures(&half.before));
            println!("  learned:    {}", figures(&half.after));
        }
    }
    if args.mistakes {
        println!();
        for m in &r.mistakes {
            println!("{m}");
        }
    }
    Ok(())
}

fn figures(r: &Report) -> String {
    format!(
        "precision {:.2} ({} of {} suggestions right), recall {:.2} ({} of {} re-asks found)",
        r.precision(),
        r.true_positives,
        r.true_positives + r.false_positives,
        r.recall(),
        r.true_positives,
        r.re_asks
    )
}
