//! One phase of the run: a time bound and a progress line every 5 % (plain lines, so a log
//! file shows progress as well as a terminal does).

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Every phase that ended in this run, in order: the run's record of how far each got.
static ENDED: Mutex<Vec<(&'static str, Reached)>> = Mutex::new(Vec::new());

pub fn ended() -> Vec<(&'static str, Reached)> {
    ENDED.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

pub struct Phase {
    name: &'static str,
    started: Instant,
    bound: Duration,
    total: u64,
    /// Last 5 % step printed.
    step: u64,
}

/// How far a phase got when it ended.
#[derive(Debug, Clone, Copy)]
pub struct Reached {
    pub done: u64,
    pub total: u64,
    pub seconds: f64,
    pub over_time: bool,
}

impl Reached {
    pub fn describe(&self) -> String {
        format!(
            "{} of {} in {:.1} s{}",
            self.done,
            self.total,
            self.seconds,
            if self.over_time { " (over time)" } else { "" }
        )
    }
}

impl Phase {
    pub fn start(name: &'static str, total: u64, bound: Duration) -> Phase {
        println!("[{name}] start: {total} to do, bound {} s", bound.as_secs());
        Phase {
            name,
            started: Instant::now(),
            bound,
            total,
            step: 0,
        }
    }

    /// The total became known (the app learns it with the first snapshot page).
    pub fn set_total(&mut self, total: u64) {
        self.total = total;
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    pub fn deadline(&self) -> Instant {
        self.started + self.bound
    }

    pub fn elapsed(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    pub fn over_time(&self) -> bool {
        self.started.elapsed() > self.bound
    }

    /// Records progress; prints a line when it crosses a 5 % step.
    pub fn progress(&mut self, done: u64) {
        let step = (done * 20).checked_div(self.total).unwrap_or(20).min(20);
        if step > self.step {
            self.step = step;
            println!(
                "[{}] {:>3} % ({done}/{}) {:.1} s",
                self.name,
                step * 5,
                self.total,
                self.elapsed()
            );
        }
    }

    pub fn finish(&self, done: u64) -> Reached {
        let reached = Reached {
            done,
            total: self.total,
            seconds: self.elapsed(),
            over_time: done < self.total && self.over_time(),
        };
        println!("[{}] end: {}", self.name, reached.describe());
        ENDED
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((self.name, reached));
        reached
    }
}
