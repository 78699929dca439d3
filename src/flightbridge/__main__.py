from flightbridge.cli import main

main()
