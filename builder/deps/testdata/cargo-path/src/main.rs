fn main() {
    println!("{}", helper::answer());
}
