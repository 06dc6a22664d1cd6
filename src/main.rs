fn main() {
    std::process::exit(jaunt::cli::main());
}
